{#
    Legacy code values (docs/cin_census.md §3b) and the current code each stands for come from one
    place, the `ref_codes` seed: its rows with `is_legacy` true, `maps_to_code` empty when
    there is no current equivalent (the value is staged as NULL, its raw text kept). The
    mapping is read from the seed when the model is built and written into the model's SQL
    as a `case`, so the compiled view shows exactly which values were recoded.

    A legacy row holds for its span of census years (the old national ethnicity codes
    A1-E4 are 2008/09's codes only): `census_year` is the model's year (a number: the span
    is checked now) or a SQL expression (checked per row, for models of several years).
    Raw values are matched trimmed but with their case, because the seed lists lower-case
    variants (`n1`, `rc1`); anything else is upper-cased.
#}
{% macro legacy_codes(code_list) -%}
    {%- set seed = ref('ref_codes') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {#- Building without the seed would silently skip the recoding: refuse. Compiling
        without it (sqlfluff's dbt templater on an empty database) gives the plain upper-cased
        code, which has the same shape. -#}
    {%- if load_relation(seed) is none -%}
        {%- if flags.WHICH in ('run', 'build') -%}
            {{ exceptions.raise_compiler_error(
                "staging needs the ref_codes seed for legacy codes: run `dbt seed` first"
            ) }}
        {%- endif -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select code, maps_to_code, first_census_year, last_census_year
        from {{ seed }}
        where code_list = '{{ code_list }}' and cast(is_legacy as varchar) = 'true'
        order by code, first_census_year
    {%- endset -%}
    {{ return(run_query(query).rows) }}
{%- endmacro %}

{#- The current code for a trimmed raw value `text` of the code list `code_list`. -#}
{% macro current_code(code_list, text, census_year) -%}
    {%- set legacy = [] -%}
    {%- for row in legacy_codes(code_list) -%}
        {%- if census_year is string or (row[2] <= census_year <= row[3]) -%}
            {%- do legacy.append(row) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if legacy -%}
    case
        {%- for code, new, first_year, last_year in legacy %}
        when {{ text }} = '{{ code }}'
            {%- if census_year is string %} and {{ census_year }} between {{ first_year }} and {{ last_year }}{% endif %}
            then {{ "'" ~ new ~ "'" if new else 'null' }}
        {%- endfor %}
        else upper({{ text }})
    end
    {%- else -%}
    upper({{ text }})
    {%- endif -%}
{%- endmacro %}
