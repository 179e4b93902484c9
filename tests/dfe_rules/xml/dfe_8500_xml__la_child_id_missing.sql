-- DfE rule 8500: message, summary and severity in seeds/ref_dfe_rules.csv. Severity error: LA +
-- LAchildID is the child key; without it no child or episode can be built.

{% call dq_dfe_rule('8500', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '8500: LAchildID is missing (the child cannot be keyed)' as failure_reason
from checked
where
    la_child_id is null or trim(la_child_id) = ''
{% endcall %}
