{{
    config(
        severity='error',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8510', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8510 (error; rulesets cin2022_23 to current): More than one child record with the same
-- LA Child ID. LAchildID must be unique within the return.
-- Severity error: two children sharing LA + LAchildID would be merged into one child.

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
