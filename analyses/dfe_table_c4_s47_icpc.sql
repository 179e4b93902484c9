-- DfE table C4 (section 47 enquiries and initial child protection conferences) for one
-- census year and source, per LA and for all the warehouse's LAs together, from
-- fct_la_year (official basis). The NPD has no s47 module: NULL there.
-- --vars '{analysis_census_year: 2024, analysis_source: xml}'.
with totals as (
    {{ dfe_table_rows([
        's47_enquiries',
        'children_s47',
        'icpcs',
        'children_icpc'
    ]) }}
)

select
    la_code,
    s47_enquiries,
    children_s47,
    icpcs,
    children_icpc,
    -- conferences per 100 enquiries: not DfE's conversion rate (a conference may follow an
    -- enquiry of the previous year), the ratio of the two counts of the year
    round(100.0 * icpcs / nullif(s47_enquiries, 0), 1) as icpcs_per_100_s47
from totals
order by is_total, la_code
