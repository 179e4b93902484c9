{#-
    Freshness-style check of the landing: every census year the models expect has a
    current load in raw._loads (any format: an NPD file or at least one LA return), or
    is declared absent.

    vars (both optional):
      expected_census_years: the years the models expect, as a list ([2017, 2018]) or a
          range string ('2009-2026'); default: every year of the ref_census_years seed.
      absent_census_years: years known to be missing (e.g. an extract that was never
          delivered), as a list; default: none.

    One row per problem: an expected year with no current load and not declared absent,
    or a year declared absent that is loaded after all. Severity warn: a warehouse built
    from part of the years is legitimate, but the gap should be seen.
-#}
{{ config(severity='warn', tags=['landing']) }}

{%- set expected_var = var('expected_census_years', none) -%}
{%- set absent = var('absent_census_years', []) -%}
{%- if expected_var is string and '-' in expected_var -%}
    {%- set bounds = expected_var.split('-') -%}
    {%- set expected = range(bounds[0] | int, (bounds[1] | int) + 1) | list -%}
{%- elif expected_var is string -%}
    {%- set expected = expected_var.split(',') | map('int') | list -%}
{%- else -%}
    {%- set expected = expected_var -%}
{%- endif %}

-- Year lists are written out as plain selects (portable SQL, no array functions).
with expected as (
    {%- if expected is none %}
        select census_year from {{ ref('ref_census_years') }}
    {%- else %}
        {%- for year in expected %}
            select cast({{ year | int }} as integer) as census_year
            union all
        {%- endfor %}
        select cast(null as integer) as census_year
        where false
    {%- endif %}
),

declared_absent as (
    {%- for year in absent %}
        select cast({{ year | int }} as integer) as census_year
        union all
    {%- endfor %}
    select cast(null as integer) as census_year
    where false
),

landed as (
    select distinct census_year
    from {{ source('landing', '_loads') }}
    where status = 'loaded'
),

missing as (
    select
        expected.census_year,
        'expected but no current load in raw._loads, and not declared absent' as problem
    from expected
    where
        expected.census_year not in (select landed.census_year from landed)
        and expected.census_year not in (select declared_absent.census_year from declared_absent)
),

contradicted as (
    select
        declared_absent.census_year,
        'declared absent (var absent_census_years) but loaded' as problem
    from declared_absent
    where declared_absent.census_year in (select landed.census_year from landed)
)

select * from missing
union all
select * from contradicted
