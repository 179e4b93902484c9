{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8569Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8569Q (query; rulesets cin2022_23 to current): A case with referral date before one
-- working day prior to the collection start date must not be flagged as a no further action case.
-- A referral dated before the census year start (minus 1 working day) should not be NFA
-- (ReferralNFA should be false).

with working_days as (
    {{ dq_working_days() }}
),

cutoffs as (
    select
        census.census_year,
        max(working_days.working_day) as last_working_day_before_year
    from {{ ref('ref_census_years') }} as census
    inner join working_days
        on
            census.period_start > working_days.working_day
            and working_days.working_day >= census.period_start - interval 10 day
    group by census.census_year
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.referral_date,
        episode.is_referral_nfa,
        cutoffs.last_working_day_before_year,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join cutoffs
        on episode.census_year = cutoffs.census_year
)

select
    *,
    '8569Q: referral '
    || {{ dq_text('referral_date') }}
    || ' is before the census year (less one working day) but flagged no further action'
        as failure_reason
from checked
where
    is_referral_nfa and referral_date < last_working_day_before_year
