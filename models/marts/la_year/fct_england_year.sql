-- England and its regions per source and census year: the LAs' official measures
-- (fct_la_year) summed, plus DfE's estimate for the LAs without the figure (DfE
-- methodology 2016-17, section 5 "Estimates"; docs/cin_census.md §7): "the national rate
-- based upon known data" times "the population estimate for the missing authority".
-- Choices, and why (also in the docs block fct_england_year):
-- * National and regional rows in this one model, told apart by geographic_level, as in
--   DfE's open-data files; a missing LA's estimate counts in its own region, so the
--   regions add up to England. The rate is always the national one, as DfE's.
-- * Missing is per measure: an LA with no return, and an LA whose return cannot give the
--   measure while other LAs' can (re-referrals without last year's return), are
--   estimated alike ("could not provide all items in the return").
-- * The known rate divides the known LAs' figures by their populations; an LA without a
--   population (seed gaps: Dorset, Poole, Bournemouth to mid-2018) is left out of it.
-- * Each measure is estimated from its own known rate. DfE grosses breakdowns up by the
--   factor of their key figure instead: the same number whenever the breakdown and its key
--   figure are missing for the same LAs (an LA with no return), as the tests check.
-- * No population (census years before 2013 or after 2025, or a missing LA without one):
--   the estimate, and so the total, is NULL; the reported sum stays.
-- DfE carried a previous year forward instead for Hackney (no return 2020/21, 2021/22)
-- and Hampshire 2023/24 (cin_warehouse/data/README.md): this model does not; see the docs.
{%- set measures = la_year_measure_specs() | map(attribute=0) | list %}
with la_years as (
    select * from {{ ref('fct_la_year') }}
),

-- The LAs in existence in each census year and region (seed ref_local_authorities), one
-- per DfE code, to tell whether the source holds every LA of an area.
existing_las as (
    select distinct
        census_years.census_year,
        las.la_code,
        las.region_code
    from {{ ref('ref_local_authorities') }} as las
    inner join {{ ref('ref_census_years') }} as census_years
        on census_years.census_year between las.first_census_year and las.last_census_year
),

-- The national rate on known data, per measure, source and year: the figures of the LAs
-- that have the measure and a population, over their population. `carried`: some LA has
-- the figure (else the source cannot carry the measure that year and nothing is estimated).
known_rates as (
    select
        source_kind,
        census_year,
        -- noqa: disable=LT02
        {%- for measure in measures %}
        count({{ measure }}) > 0 as {{ measure }}_is_carried,
        sum({{ measure }}) filter (where population_0_17 is not null)
        / nullif(sum(population_0_17) filter (where {{ measure }} is not null), 0)
            as {{ measure }}_known_rate{{ ',' if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from la_years
    group by source_kind, census_year
),

-- Each LA's figure, or, where it lacks one the source carries, its estimate.
la_estimates as (
    select
        la_years.source_kind,
        la_years.census_year,
        la_years.la_code,
        la_years.region_code,
        la_years.region_name,
        la_years.has_return,
        la_years.population_0_17,
        -- noqa: disable=LT02
        {%- for measure in measures %}
        la_years.{{ measure }},
        known_rates.{{ measure }}_is_carried,
        known_rates.{{ measure }}_is_carried
        and la_years.{{ measure }} is null as {{ measure }}_is_missing,
        known_rates.{{ measure }}_known_rate * la_years.population_0_17
            as {{ measure }}_estimate{{ ',' if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from la_years
    inner join known_rates
        on
            la_years.source_kind = known_rates.source_kind
            and la_years.census_year = known_rates.census_year
),

-- Each LA counts twice: in England (region_code NULL) and in its region. An LA without a
-- region in ref_local_authorities counts for England only.
la_areas as (
    select
        la_estimates.*,
        levels.geographic_level,
        existing_las.la_code is not null as is_existing_la,
        case when levels.geographic_level = 'Regional' then la_estimates.region_code end
            as area_region_code
    from la_estimates
    cross join (values ('National'), ('Regional')) as levels (geographic_level)
    left join existing_las
        on
            la_estimates.census_year = existing_las.census_year
            and la_estimates.la_code = existing_las.la_code
    where levels.geographic_level = 'National' or la_estimates.region_code is not null
),

-- Per area: reported sums and estimates.
area_sums as (
    select
        source_kind,
        census_year,
        geographic_level,
        area_region_code as region_code,
        max(region_name) filter (where area_region_code is not null) as region_name,
        count(*) as las_in_source,
        count(*) filter (where is_existing_la) as existing_las_in_source,
        count(*) filter (where has_return) as las_with_return,
        string_agg(la_code, ';' order by la_code) filter (
            where not has_return
        ) as la_codes_without_return,
        count(population_0_17) = count(*) as has_every_la_population,
        sum(population_0_17) as la_population_0_17,
        -- noqa: disable=LT02
        {%- for measure in measures %}
        case when bool_or({{ measure }}_is_carried) then coalesce(sum({{ measure }}), 0)
        end as {{ measure }}_reported,
        case
            when bool_or({{ measure }}_is_carried) and count(*) filter (
                where {{ measure }}_is_missing and {{ measure }}_estimate is null
            ) = 0
                then coalesce(
                    sum({{ measure }}_estimate) filter (where {{ measure }}_is_missing), 0
                )
        end as {{ measure }}_estimated{{ ',' if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from la_areas
    group by source_kind, census_year, geographic_level, area_region_code
),

-- The LAs in existence in each area and census year.
existing_area_las as (
    select
        census_year,
        cast(null as varchar) as region_code,
        count(*) as las_existing
    from existing_las
    group by census_year
    union all
    select
        census_year,
        region_code,
        count(*) as las_existing
    from existing_las
    group by census_year, region_code
),

-- ONS child populations of England and the regions at mid-(Y-1).
area_population as (
    select
        region_code,
        population_0_17,
        mid_year + 1 as census_year
    from {{ ref('ref_child_population') }}
    where geographic_level in ('National', 'Regional')
),

-- Whether the source holds every LA of the area that existed that year (the same number,
-- and each of them one that existed).
covered_areas as (
    select
        area_sums.*,
        coalesce(
            area_sums.las_in_source = existing_area_las.las_existing
            and area_sums.existing_las_in_source = existing_area_las.las_existing,
            false
        ) as is_whole_area
    from area_sums
    left join existing_area_las
        on
            area_sums.census_year = existing_area_las.census_year
            and area_sums.region_code is not distinct from existing_area_las.region_code
),

-- Totals = reported + estimated; the population of the area: ONS's figure when the
-- source holds every LA of the area, else the sum of its LAs' (a world of some LAs).
area_totals as (
    select
        covered_areas.*,
        case
            when covered_areas.is_whole_area then area_population.population_0_17
            when covered_areas.has_every_la_population then covered_areas.la_population_0_17
        end as population_0_17,
        -- noqa: disable=LT02
        {%- for measure in measures %}
        covered_areas.{{ measure }}_reported + covered_areas.{{ measure }}_estimated
            as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from covered_areas
    left join area_population
        on
            covered_areas.census_year = area_population.census_year
            and covered_areas.region_code is not distinct from area_population.region_code
)

select
    {{ open_data_layout(
        'area_totals.census_year',
        'area_totals.geographic_level',
        'area_totals.region_code',
        'area_totals.region_name'
    ) }},
    area_totals.source_kind,
    cast(area_totals.census_year as integer) as census_year,
    cast(area_totals.las_in_source as integer) as las_in_source,
    cast(area_totals.las_with_return as integer) as las_with_return,
    area_totals.la_codes_without_return,
    area_totals.is_whole_area,
    cast(area_totals.population_0_17 as bigint) as population_0_17,
    -- noqa: disable=LT02
    {%- for measure in measures %}
    cast(area_totals.{{ measure }} as double) as {{ measure }},
    cast(area_totals.{{ measure }}_reported as bigint) as {{ measure }}_reported,
    cast(area_totals.{{ measure }}_estimated as double) as {{ measure }}_estimated,
    {%- endfor %}
    -- noqa: enable=LT02
    {{ la_year_rates('area_totals', 'area_totals.population_0_17') }}
from area_totals
