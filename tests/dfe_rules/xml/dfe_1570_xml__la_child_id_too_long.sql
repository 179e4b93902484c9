-- DfE rule 1570: message, summary and severity in seeds/ref_dfe_rules.csv. New in the 2024/25
-- ruleset: checked from census year 2025.

{% call dq_dfe_rule('1570', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where census_year >= 2025
)

select
    *,
    '1570: LAchildID ' || la_child_id || ' is longer than 20 characters' as failure_reason
from checked
where
    length(la_child_id) > 20
{% endcall %}
