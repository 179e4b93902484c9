{#
    not_null_proportion: fails (one summary row per group) when the share of non-NULL values
    of `column_name` is below `min_proportion` (0 to 1). `group_by` (a list of columns, e.g.
    [census_year, la_code]) checks each group separately, so one LA-year with a column
    missing is caught even when the national share is fine. The row says the group, the
    share found and the minimum.
#}
{% test not_null_proportion(model, column_name, min_proportion, group_by=[]) %}
    {%- set groups = group_by | join(', ') %}
    with shares as (
        select
            {% if groups %}{{ groups }},{% endif %}
            count(*) as rows_checked,
            count({{ column_name }}) as rows_not_null,
            count({{ column_name }}) * 1.0 / count(*) as not_null_proportion
        from {{ model }}
        {% if groups %}group by {{ groups }}{% endif %}
    )

    select
        *,
        {{ min_proportion }} as min_proportion,
        {{ dq_sql_string(column_name ~ ' is non-null in less than ' ~ min_proportion ~ ' of rows') }}
        as failure_reason
    from shares
    where not_null_proportion < {{ min_proportion }}
{% endtest %}
