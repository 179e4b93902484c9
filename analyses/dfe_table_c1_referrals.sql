-- DfE table C1 (referrals, re-referrals within 12 months, referrals with no further
-- action) for one census year and source, per LA and for all the warehouse's LAs
-- together, from fct_la_year (official basis). Percentages as DfE gives them: of the
-- year's referrals. --vars '{analysis_census_year: 2024, analysis_source: xml}'.
with la_years as (
    select * from {{ ref('fct_la_year') }}
    where
        census_year = {{ var('analysis_census_year', 2024) }}
        and source_kind = '{{ var("analysis_source", "xml") }}'
        and has_return
),

-- one row per LA, then all the warehouse's LAs together (a total over the LAs it holds)
totals as (
    select
        la_code,
        false as is_total,
        referrals,
        children_referred,
        rereferrals_12m,
        referrals_nfa
    from la_years
    union all
    select
        'all' as la_code,
        true as is_total,
        sum(referrals) as referrals,
        sum(children_referred) as children_referred,
        sum(rereferrals_12m) as rereferrals_12m,
        sum(referrals_nfa) as referrals_nfa
    from la_years
)

select
    la_code,
    referrals,
    children_referred,
    rereferrals_12m,
    referrals_nfa,
    round(100.0 * rereferrals_12m / nullif(referrals, 0), 1) as rereferral_pct,
    round(100.0 * referrals_nfa / nullif(referrals, 0), 1) as referral_nfa_pct
from totals
order by is_total, la_code
