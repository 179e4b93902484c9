{#- One row per NPD variable and census year it is populated in (file_kind, variable,
    census_year), from the spans of seed ref_npd_variable_years (DfE's "years populated",
    docs/cin_census.md §3b; an empty last_year: still collected, so a new census year
    extends every open span without an edit). The one place the spans become years. -#}
{% macro npd_variable_years() -%}
    select
        spans.file_kind,
        spans.variable,
        census_years.census_year
    from {{ ref('ref_npd_variable_years') }} as spans
    inner join {{ ref('ref_census_years') }} as census_years
        on
            spans.first_year <= census_years.census_year
            and coalesce(spans.last_year, census_years.census_year) >= census_years.census_year
{%- endmacro %}
