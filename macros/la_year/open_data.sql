{#
    DfE's open-data layout and its rates, one place each, for the LA-year marts
    (fct_la_year, fct_la_year_reconstructed) and the England and region rows
    (fct_england_year).
#}

{#- The ten leading columns of DfE's open-data files (explore-education-statistics),
    from a census year and the area's columns (SQL expressions; 'null' where the level has
    none). time_period is the academic-year code of the census year, 201617 for 2016/17. -#}
{% macro open_data_layout(
    census_year,
    geographic_level,
    region_code='null',
    region_name='null',
    old_la_code='null',
    new_la_code='null',
    la_name='null'
) -%}
    cast(({{ census_year }} - 1) * 100 + {{ census_year }} % 100 as integer) as time_period,
    'Reporting year' as time_identifier,
    {{ geographic_level }} as geographic_level,
    'E92000001' as country_code,
    'England' as country_name,
    cast({{ region_code }} as varchar) as region_code,
    cast({{ region_name }} as varchar) as region_name,
    cast({{ old_la_code }} as varchar) as old_la_code,
    cast({{ new_la_code }} as varchar) as new_la_code,
    cast({{ la_name }} as varchar) as la_name
{%- endmacro %}

{#- A select of each LA's children aged 0-17 by census year (la_code, population_0_17,
    census_year): the mid-(Y-1) ONS estimate serves census year Y, DfE's denominator
    (methodology 2016-17, section 5); seed ref_child_population, mid-2012 to mid-2024. -#}
{% macro la_child_population() -%}
    select
        old_la_code as la_code,
        population_0_17,
        mid_year + 1 as census_year
    from {{ ref('ref_child_population') }}
    where geographic_level = 'Local authority'
{%- endmacro %}

{#- The rates and percentages DfE publishes for the measures of fct_la_year (the
    national figures of seed ref_published_national_statistics, each named as there):
    name, numerator measure, and the denominator: 'population' (per 10,000 children aged
    0-17, DfE methodology 2016-17 section 5) or a measure (a percentage of it). -#}
{% macro la_year_rate_specs() -%}
{%- do return([
    ('referrals_rate_per_10k', 'referrals', 'population'),
    ('cin_31mar_rate_per_10k', 'children_in_need_31mar', 'population'),
    ('s47_rate_per_10k', 's47_enquiries', 'population'),
    ('icpc_rate_per_10k', 'icpcs', 'population'),
    ('cpp_starting_rate_per_10k', 'cpp_starting', 'population'),
    ('cpp_31mar_rate_per_10k', 'cpp_31mar', 'population'),
    ('cpp_ended_rate_per_10k', 'cpp_ended', 'population'),
    ('rereferrals_12m_pct', 'rereferrals_12m', 'referrals'),
    ('referrals_nfa_pct', 'referrals_nfa', 'referrals'),
    ('assessed_not_in_need_pct', 'referrals_assessed_not_in_need', 'referrals'),
    ('assessments_within_45wd_pct', 'single_assessments_within_45wd',
        'single_assessments_completed'),
    ('cpp_second_or_later_pct', 'cpp_second_or_later', 'cpp_starting')
]) -%}
{%- endmacro %}

{#- The rate and percentage columns (la_year_rate_specs) from the measures of `relation`
    (an alias) and a population column: NULL where a part is NULL (no return, a measure
    the source cannot carry, no population estimate for the year) or the denominator is
    0. Unrounded; DfE publishes them to one decimal place. -#}
{% macro la_year_rates(relation, population_column) -%}
    {%- for name, numerator, denominator in la_year_rate_specs() %}
        {%- if denominator == 'population' %}
    cast(10000.0 * {{ relation }}.{{ numerator }} / nullif({{ population_column }}, 0) as double)
        {%- else %}
    cast(100.0 * {{ relation }}.{{ numerator }} / nullif({{ relation }}.{{ denominator }}, 0)
        as double)
        {%- endif %} as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The join condition of two relations at the LA-year grain (source_kind, census_year,
    la_code): the keys of every LA-year mart, stated once. -#}
{% macro same_la_year(left, right) -%}
    {{ left }}.source_kind = {{ right }}.source_kind
    and {{ left }}.census_year = {{ right }}.census_year
    and {{ left }}.la_code = {{ right }}.la_code
{%- endmacro %}
