{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8790', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8790 (error; rulesets cin2022_23 to current): Disability information includes both
-- None and other values. If a child has Disability NONE there must be no other disability code
-- for that child.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        string_agg(disability_code, ', ') as disability_codes,
        bool_or(disability_code = 'NONE') as has_none,
        count(*) as disability_records,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__disability') }}
    group by census_year, la_code, child_pos
)

select
    *,
    '8790: disability NONE recorded with other codes: ' || disability_codes as failure_reason
from checked
where
    has_none and disability_records > 1
