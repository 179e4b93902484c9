-- DfE rule 2883: message, summary and severity in seeds/ref_dfe_rules.csv. Return level: one row
-- per LA return (census year and LA).

{% call dq_dfe_rule('2883', 'xml') %}
with census as (
    select
        census_year,
        period_start,
        period_end
    from {{ ref('ref_census_years') }}
),

icpc_dates as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        initial_cpc_date
    from {{ ref('stg_xml__cin_details') }}
    where initial_cpc_date is not null
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        initial_cpc_date
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_date is not null
),

icpcs as (
    select
        icpc_dates.census_year,
        icpc_dates.la_code,
        count(*) as icpcs_in_period
    from icpc_dates
    inner join census
        on icpc_dates.census_year = census.census_year
    where icpc_dates.initial_cpc_date between census.period_start and census.period_end
    group by icpc_dates.census_year, icpc_dates.la_code
),

cpp_starts as (
    select
        cpp.census_year,
        cpp.la_code,
        count(*) as cpps_starting
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join census
        on cpp.census_year = census.census_year
    where cpp.cpp_start_date between census.period_start and census.period_end
    group by cpp.census_year, cpp.la_code
),

checked as (
    select
        cpp_starts.census_year,
        cpp_starts.la_code,
        cpp_starts.cpps_starting,
        coalesce(icpcs.icpcs_in_period, 0) as icpcs_in_period,
        count(*) over () as rows_checked
    from cpp_starts
    left join icpcs
        on
            cpp_starts.census_year = icpcs.census_year
            and cpp_starts.la_code = icpcs.la_code
)

select
    *,
    '2883: '
    || cpps_starting
    || ' CPPs start in the year but only '
    || icpcs_in_period
    || ' initial CPCs are recorded' as failure_reason
from checked
where
    cpps_starting > icpcs_in_period
{% endcall %}
