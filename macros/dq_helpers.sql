{#
    Helpers of the data-quality tests (tests/generic, tests/dfe_rules). Named dq_*.
#}

{# A SQL string literal of `text`, single quotes doubled. #}
{% macro dq_sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#
    Rows of `relation` whose `column_name` is not a valid `code_list` code in the row's
    census year (ref_codes seed). Shared by the generic test values_valid_for_census_year
    and the DfE code-list rules in tests/dfe_rules.
#}
{% macro dq_values_valid_for_census_year(
    relation, column_name, code_list, census_year_column='census_year', allow_legacy=false
) %}
    with codes as (
        select
            code,
            first_census_year,
            last_census_year
        from {{ ref('ref_codes') }}
        where
            code_list = {{ dq_sql_string(code_list) }}
            {% if not allow_legacy %}and not is_legacy{% endif %}
    ),

    checked as (
        select
            *,
            count(*) over () as rows_checked
        from {{ relation }}
    ),

    failing as (
        select checked.*
        from checked
        where
            checked.{{ column_name }} is not null
            and not exists (
                select 1
                from codes
                where
                    codes.code = cast(checked.{{ column_name }} as varchar)
                    and checked.{{ census_year_column }}
                    between codes.first_census_year and codes.last_census_year
            )
    )

    select
        failing.*,
        {{ dq_sql_string(column_name ~ ' ') }}
        || coalesce(cast(failing.{{ column_name }} as varchar), '')
        || {{ dq_sql_string(' is not a valid ' ~ code_list ~ ' code in census year ') }}
        || cast(failing.{{ census_year_column }} as varchar)
        || coalesce(
            (
                select
                    ' (valid ' || string_agg(
                        cast(codes.first_census_year as varchar)
                        || '-' || cast(codes.last_census_year as varchar), ', '
                    ) || ')'
                from codes
                where codes.code = cast(failing.{{ column_name }} as varchar)
            ),
            ' (not in the code list)'
        ) as failure_reason
    from failing
{% endmacro %}
