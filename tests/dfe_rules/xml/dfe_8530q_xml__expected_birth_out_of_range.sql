{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8530Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8530Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: Expected Date of Birth is outside the expected range for this census (March
-- to December of the Census Year end). ExpectedPersonBirthDate should be between ReferenceDate
-- minus 30 days and ReferenceDate plus 9 months.

with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.expected_birth_date,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
    where child.expected_birth_date is not null
)

select
    *,
    '8530Q: expected date of birth '
    || {{ dq_text('expected_birth_date') }}
    || ' is not within 30 days before to 9 months after '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    expected_birth_date < period_end - interval 30 day
    or expected_birth_date > period_end + interval 9 month
