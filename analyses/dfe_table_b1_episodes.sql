-- DfE "Characteristics of children in need" table B1 (referrals and episodes of need) for
-- one census year and source, per LA and for all the warehouse's LAs together, from
-- fct_la_year (the official basis: each year's return as delivered). Choose the year and
-- source with --vars '{analysis_census_year: 2024, analysis_source: xml}'.
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
        referrals_nfa,
        referrals_assessed_not_in_need,
        episodes_starting,
        episodes_any_point,
        episodes_ending,
        children_in_need_31mar
    from la_years
    union all
    select
        'all' as la_code,
        true as is_total,
        sum(referrals) as referrals,
        sum(referrals_nfa) as referrals_nfa,
        sum(referrals_assessed_not_in_need) as referrals_assessed_not_in_need,
        sum(episodes_starting) as episodes_starting,
        sum(episodes_any_point) as episodes_any_point,
        sum(episodes_ending) as episodes_ending,
        sum(children_in_need_31mar) as children_in_need_31mar
    from la_years
)

select
    la_code,
    referrals,
    referrals_nfa,
    referrals_assessed_not_in_need,
    episodes_starting,
    episodes_any_point,
    episodes_ending,
    children_in_need_31mar
from totals
order by is_total, la_code
