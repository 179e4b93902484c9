-- DfE "Characteristics of children in need" table B1 (referrals and episodes of need) for
-- one census year and source, per LA and for all the warehouse's LAs together, from
-- fct_la_year (the official basis: each year's return as delivered). Choose the year and
-- source with --vars '{analysis_census_year: 2024, analysis_source: xml}'.
with totals as (
    {{ dfe_table_rows([
        'referrals',
        'referrals_nfa',
        'referrals_assessed_not_in_need',
        'episodes_starting',
        'episodes_any_point',
        'episodes_ending',
        'children_in_need_31mar'
    ]) }}
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
