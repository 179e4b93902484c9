{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4220', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4220 (error; rulesets cin2022_23 to current): Ethnicity is missing or invalid (see
-- Ethnicity table). Ethnicity must be present and a valid DfE ethnicity code (ABAN ... WROM,
-- REFU, NOBT).

with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.ethnicity_code,
        exists(
            select 1
            from {{ ref('ref_codes') }} as codes
            where
                codes.code_list = 'ethnicity'
                and not codes.is_legacy
                and codes.code = child.ethnicity_code
                and child.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
)

select
    *,
    '4220: ethnicity '
    || {{ dq_text('ethnicity_code') }}
    || ' is missing or not a valid code in census year '
    || census_year as failure_reason
from checked
where
    not is_valid_code
