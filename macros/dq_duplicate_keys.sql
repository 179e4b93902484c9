{#
    The failing rows of a uniqueness test: one row per key that occurs more than once in
    `model`, with the key's columns and how often it occurs. `key_columns` are SQL
    expressions; `key_aliases` (optional) rename them in the output; `where` keeps only the
    rows to check.

    Exact in two passes. Equal keys always have equal hash() values (NULLs included: a NULL
    key part hashes to one constant, as GROUP BY puts NULLs in one group), so every row of a
    duplicated key has a repeated key hash. The first pass finds the repeated 64-bit hashes
    by sorting them and comparing neighbours; the second groups by the exact key only the
    rows whose hash repeats (none, or a handful of hash collisions, on a clean table;
    DuckDB stops that scan after its first vector when the first pass found nothing).
    Measured at national scale (14.2M rows, four key columns): 1.7 to 1.9 CPU s, where
    grouping on the exact key cost 5.8 to 7.1 and grouping on the hash 3.1 to 3.7. Assumes
    no key column has a collation (GROUP BY would compare collated values, hash() the raw
    ones): none in this project.
#}
{% macro dq_duplicate_keys(model, key_columns, count_column, key_aliases=none, where=none) %}
    {%- set key = key_columns | join(', ') %}
    {%- set row_filter = where if where is not none else 'true' %}
    with key_hashes as (
        select hash({{ key }}) as key_hash
        from {{ model }}
        where {{ row_filter }}
    ),

    repeated_key_hashes as (
        select key_hash
        from key_hashes
        qualify key_hash = lag(key_hash) over (order by key_hash)
    )

    select
        {%- for column in key_columns %}
            {{ column }}{% if key_aliases %} as {{ key_aliases[loop.index0] }}{% endif %},
        {%- endfor %}
        count(*) as {{ count_column }}
    from {{ model }}
    where
        {{ row_filter }}
        and hash({{ key }}) in (select repeated_key_hashes.key_hash from repeated_key_hashes)
    group by {{ key }}
    having count(*) > 1
{% endmacro %}


{#
    dbt's built-in `unique` test (global project), same failing rows and columns
    (unique_field, n_records; NULLs are not checked), found by dq_duplicate_keys in two passes.
    dbt dispatches `test_unique` to the root project before its own default.
#}
{% macro duckdb__test_unique(model, column_name) %}
    {{ dq_duplicate_keys(
        model,
        [column_name],
        'n_records',
        key_aliases=['unique_field'],
        where=column_name ~ ' is not null'
    ) }}
{% endmacro %}
