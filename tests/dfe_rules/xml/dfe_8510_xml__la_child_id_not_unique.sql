-- DfE rule 8510: message, summary and severity in seeds/ref_dfe_rules.csv. Severity error: two
-- children sharing LA + LAchildID would be merged into one child.

{% call dq_dfe_rule('8510', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        la_child_id,
        count(*) as child_records,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where la_child_id is not null
    group by census_year, la_code, la_child_id
)

select
    *,
    '8510: LAchildID '
    || la_child_id
    || ' is used by '
    || child_records
    || ' child records in one return' as failure_reason
from checked
where
    child_records > 1
{% endcall %}
