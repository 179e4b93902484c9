{#
    Union of the per-year staging models `<prefix><year>` for every census year
    (Cal-ITP's per-year staging + union pattern). Each year model emits the same columns
    in the same order (absent variables as typed NULLs); tests/python/staging checks it,
    so a positional `union all` is safe.
#}
{% macro union_census_years(prefix, first_year=2009, last_year=2026) -%}
    {%- for year in range(first_year, last_year + 1) %}
    select * from {{ ref(prefix ~ year) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
