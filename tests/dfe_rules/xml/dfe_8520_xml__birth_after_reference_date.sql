{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8520', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8520 (error; rulesets cin2022_23 to current): Date of Birth is after data collection
-- period (must be on or before the end of the census period). PersonBirthDate, where present,
-- must be on or before the ReferenceDate.

with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.birth_date,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
    where child.birth_date is not null
)

select
    *,
    '8520: date of birth '
    || {{ dq_text('birth_date') }}
    || ' is after the end of the census year '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    birth_date > period_end
