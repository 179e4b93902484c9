{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8600', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8600 (error; rulesets cin2022_23 to current): Child referral date missing or after
-- data collection period. CINreferralDate must be present and on or before the ReferenceDate.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.referral_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('ref_census_years') }} as census
        on episode.census_year = census.census_year
)

select
    *,
    '8600: referral date '
    || {{ dq_text('referral_date') }}
    || ' is missing or after the end of the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    referral_date > period_end or referral_date is null
