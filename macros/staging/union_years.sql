{#
    Union of the per-year staging models `<prefix><year>` for every census year
    (Cal-ITP's per-year staging + union pattern). The years are `census_years()`
    (macros/staging/census_years.sql, generated from the ref_census_years seed). For
    stg_npd__disabilities, whose year models emit the same columns in the same order (absent
    variables as typed NULLs); tests/python/staging checks it, so a positional `union all` is
    safe. stg_npd__cin's year models hold only their year's variables: its union is generated
    (cin_warehouse/codegen/npd_staging.py).
#}
{% macro union_census_years(prefix) -%}
    {%- for year in census_years() %}
    select * from {{ ref(prefix ~ year) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
