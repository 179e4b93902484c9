{#- The rows of a DfE "Characteristics of children in need" table for the analyses
    (analyses/dfe_table_*.sql): the chosen measures of fct_la_year (official basis) for one
    census year and source (vars analysis_census_year, default 2024, and analysis_source,
    default xml), one row per LA that made a return, then a row `all` summing the
    warehouse's LAs; `is_total` orders the total last. -#}
{% macro dfe_table_rows(measures) -%}
    {%- set la_years -%}
        {{ ref('fct_la_year') }}
        where
            census_year = {{ var('analysis_census_year', 2024) }}
            and source_kind = '{{ var("analysis_source", "xml") }}'
            and has_return
    {%- endset %}
    select
        la_code,
        false as is_total,
        {%- for measure in measures %}
        {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ la_years }}
    union all
    select
        'all' as la_code,
        true as is_total,
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ la_years }}
{%- endmacro %}
