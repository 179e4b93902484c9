{#
    expression_is_true: fails with every row where `expression` (SQL over the model's
    columns) is false. Rows where it is NULL are not failures (a rule on a missing value is
    a not-null test's job). Failing rows carry `failure_reason` naming the expression.
    Model-level or column-level (the column is then prefixed to the expression, e.g.
    `expression: ">= referral_date"`).
    Config as usual: severity, warn_if, error_if, where.
#}
{% test expression_is_true(model, expression, column_name=none) %}
    {%- set full_expression = (column_name ~ ' ' ~ expression) if column_name else expression %}
    select
        *,
        {{ dq_sql_string('expression is false: ' ~ full_expression) }} as failure_reason
    from {{ model }}
    where not ({{ full_expression }})
{% endtest %}
