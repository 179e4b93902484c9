-- DfE rule 1540: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1540', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        upn,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where upn is not null
)

select
    *,
    '1540: characters 5-12 of UPN ' || upn || ' are not all digits' as failure_reason
from checked
where
    not regexp_full_match(substring(upn, 5, 8), '[0-9]{8}')
{% endcall %}
