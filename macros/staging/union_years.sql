{#
    Union of the per-year staging models `<prefix><year>` for every census year
    (Cal-ITP's per-year staging + union pattern). The years are `census_years()`
    (macros/staging/census_years.sql, generated from the ref_census_years seed). Each year
    model emits the same columns in the same order (absent variables as typed NULLs);
    tests/python/staging checks it, so a positional `union all` is safe.
#}
{% macro union_census_years(prefix) -%}
    {%- for year in census_years() %}
    select * from {{ ref(prefix ~ year) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
