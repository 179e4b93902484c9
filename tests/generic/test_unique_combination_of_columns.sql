{#
    Fails with one row per duplicated key: the key values and how often they occur.
    Use where a model's grain is a combination of columns.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set key = combination_of_columns | join(', ') %}
    select
        {{ key }},
        count(*) as occurrences
    from {{ model }}
    group by {{ key }}
    having count(*) > 1
{% endtest %}
