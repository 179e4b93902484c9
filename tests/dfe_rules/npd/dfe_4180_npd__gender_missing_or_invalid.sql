{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '4180', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 4180 (error; rulesets cin2022_23 to current): Sex must be provided and equal M, F, or
-- U. Sex must be present and one of M, F, U (replaces GenderCurrent from 2024/25).
-- NPD Gender: GenderCurrent codes 1/2/0/9 to 2023/24, Sex M/F/U from 2024/25.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        gender_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

codes as (
    select
        code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where code_list in ('gender_current', 'sex') and not is_legacy
),

checked as (
    select
        records.*,
        exists(
            select 1
            from codes
            where
                codes.code = records.gender_code
                and records.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '4180: gender '
    || {{ dq_text('gender_code') }}
    || ' is missing or not a valid code in census year '
    || census_year as failure_reason
from checked
where
    not is_valid_code
