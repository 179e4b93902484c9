{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4180', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4180 (error; rulesets cin2022_23 to current): Sex must be provided and equal M, F, or
-- U. Sex must be present and one of M, F, U (replaces GenderCurrent from 2024/25).
-- sex is staging's conformed column: GenderCurrent (to 2024) and Sex (from 2025) mapped to M/F/U.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        sex,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '4180: sex ' || {{ dq_text('sex') }} || ' is missing or not M, F or U' as failure_reason
from checked
where
    sex is null or sex not in ('M', 'F', 'U')
