{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8790', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8790 (error; rulesets cin2022_23 to current): Disability information includes both
-- None and other values. If a child has Disability NONE there must be no other disability code
-- for that child.

with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

checked as (
    select
        census_year,
        la_code,
        la_child_id,
        string_agg(disability_code, ', ') as disability_codes,
        bool_or(disability_code = 'NONE') as has_none,
        count(*) as disability_records,
        count(*) over () as rows_checked
    from disabilities
    group by census_year, la_code, la_child_id
)

select
    *,
    '8790: disability NONE recorded with other codes: ' || disability_codes as failure_reason
from checked
where
    has_none and disability_records > 1
