-- DfE table C1 (referrals, re-referrals within 12 months, referrals with no further
-- action) for one census year and source, per LA and for all the warehouse's LAs
-- together, from fct_la_year (official basis). Percentages as DfE gives them: of the
-- year's referrals. --vars '{analysis_census_year: 2024, analysis_source: xml}'.
with totals as (
    {{ dfe_table_rows([
        'referrals',
        'children_referred',
        'rereferrals_12m',
        'referrals_nfa'
    ]) }}
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
