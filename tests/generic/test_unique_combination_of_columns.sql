{#
    Fails with one row per duplicated key: the key values and how often they occur.
    Use where a model's grain is a combination of columns. The duplicates are found by
    dq_duplicate_keys (macros/dq_duplicate_keys.sql): same rows as grouping on the key, cheaper.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ dq_duplicate_keys(model, combination_of_columns, 'occurrences') }}
{% endtest %}
