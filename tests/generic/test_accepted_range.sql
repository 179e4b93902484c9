{#
    accepted_range: fails with every row whose `column_name` lies outside [min_value,
    max_value] (either bound optional; `inclusive: false` makes both bounds strict). NULLs
    pass. Bounds are SQL expressions, so dates work: min_value: "date '2008-01-01'".
    Failing rows carry the value and `failure_reason`.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- set low = '>=' if inclusive else '>' %}
    {%- set high = '<=' if inclusive else '<' %}
    select
        *,
        {{ dq_sql_string(column_name ~ ' outside ' ~ ('[' if inclusive else '(')
            ~ (min_value if min_value is not none else '-inf') ~ ', '
            ~ (max_value if max_value is not none else '+inf') ~ (']' if inclusive else ')')) }}
        || ': ' || cast({{ column_name }} as varchar) as failure_reason
    from {{ model }}
    where
        {{ column_name }} is not null
        and not (
            true
            {%- if min_value is not none %} and {{ column_name }} {{ low }} {{ min_value }}{% endif %}
            {%- if max_value is not none %} and {{ column_name }} {{ high }} {{ max_value }}{% endif %}
        )
{% endtest %}
