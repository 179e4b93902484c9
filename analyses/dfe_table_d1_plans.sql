-- DfE table D1 (child protection plans: starting, second or subsequent, ending, at 31
-- March) for one census year and source, per LA and for all the warehouse's LAs together,
-- from fct_la_year (official basis). --vars '{analysis_census_year: 2024,
-- analysis_source: xml}'.
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
        cpp_starting,
        children_starting_cpp,
        cpp_second_or_later,
        cpp_any_point,
        cpp_ended,
        cpp_31mar
    from la_years
    union all
    select
        'all' as la_code,
        true as is_total,
        sum(cpp_starting) as cpp_starting,
        sum(children_starting_cpp) as children_starting_cpp,
        sum(cpp_second_or_later) as cpp_second_or_later,
        sum(cpp_any_point) as cpp_any_point,
        sum(cpp_ended) as cpp_ended,
        sum(cpp_31mar) as cpp_31mar
    from la_years
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
