{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '2886Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 2886Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: Percentage of children with no sex recorded is more than 2% (excluding
-- unborns). Return-level query: more than 2% of children (excluding unborns) have Sex missing or
-- 'U'.
-- Return level. sex is the conformed column (GenderCurrent 0/missing and Sex U/missing alike).

with children as (
    select
        census_year,
        la_code,
        sex
    from {{ ref('stg_xml__child') }}
    -- unborn children (expected date of birth, no date of birth) are excluded
    where not (birth_date is null and expected_birth_date is not null)
),

checked as (
    select
        census_year,
        la_code,
        count(*) as children,
        count(*) filter (where sex is null or sex = 'U') as children_no_sex,
        count(*) over () as rows_checked
    from children
    group by census_year, la_code
)

select
    *,
    '2886Q: '
    || children_no_sex
    || ' of '
    || children
    || ' born children have no sex recorded (more than 2%)' as failure_reason
from checked
where
    children_no_sex > 0.02 * children
