-- DfE table D1 (child protection plans: starting, second or subsequent, ending, at 31
-- March) for one census year and source, per LA and for all the warehouse's LAs together,
-- from fct_la_year (official basis). --vars '{analysis_census_year: 2024,
-- analysis_source: xml}'.
with totals as (
    {{ dfe_table_rows([
        'cpp_starting',
        'children_starting_cpp',
        'cpp_second_or_later',
        'cpp_any_point',
        'cpp_ended',
        'cpp_31mar'
    ]) }}
)

select
    la_code,
    cpp_starting,
    children_starting_cpp,
    cpp_second_or_later,
    cpp_any_point,
    cpp_ended,
    cpp_31mar,
    round(100.0 * cpp_second_or_later / nullif(cpp_starting, 0), 1) as second_or_later_pct
from totals
order by is_total, la_code
