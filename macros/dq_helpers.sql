{#
    Helpers of the data-quality tests (tests/generic, tests/dfe_rules). Named dq_*.
#}

{# A SQL string literal of `text`, single quotes doubled. #}
{% macro dq_sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#
    The codes of the lists `code_lists` (ref_codes seed), each with the census years in which
    it is valid (first_census_year to last_census_year): the current codes, the legacy ones
    too with `allow_legacy`, and, with `with_recoded`, the code each legacy value is recoded
    to, valid in the legacy value's years (2008/09's ethnicity A1 is staged as WBRI).
#}
{% macro dq_codes(code_lists, allow_legacy=false, with_recoded=true) %}
    {%- set quoted = [] %}
    {%- for code_list in code_lists %}{% do quoted.append(dq_sql_string(code_list)) %}{% endfor %}
    {%- set lists = quoted | join(', ') %}
    select
        code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where
        code_list in ({{ lists }})
        {% if not allow_legacy %}and not is_legacy{% endif %}
    {%- if with_recoded %}
    union all
    select
        maps_to_code as code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where
        code_list in ({{ lists }})
        and is_legacy
        and maps_to_code is not null
    {%- endif %}
{% endmacro %}

{#
    One row per code and census year in which it is valid, from `codes` (a relation or CTE
    with code, first_census_year and last_census_year, e.g. dq_codes): the year range as
    rows, so that a check is an equality join on (code, census_year). A correlated
    `not exists` or `exists` on `census_year between first and last` made DuckDB decorrelate
    it into a delim join that copied every column of every row checked into a buffer
    (56 CPU s and 3 GB for one test at scale 1; 0.4 s as a hash join).
#}
{% macro dq_code_years(codes) %}
    select distinct
        valid_codes.code,
        unnest(generate_series(valid_codes.first_census_year, valid_codes.last_census_year))
            as census_year
    from {{ codes }} as valid_codes
{% endmacro %}

{#
    Rows of `relation` whose `column_name` is not a valid `code_list` code in the row's
    census year (ref_codes seed). Shared by the generic test values_valid_for_census_year
    and the DfE code-list rules in tests/dfe_rules. Valid: a current code of that year, or
    the code a legacy value of that year is recoded to (2008/09's A1 is staged as WBRI,
    valid in 2009 although the four-letter codes start in 2009/10); with `allow_legacy`,
    the legacy value itself.
#}
{% macro dq_values_valid_for_census_year(
    relation, column_name, code_list, census_year_column='census_year', allow_legacy=false
) %}
    with codes as (
        {{ dq_codes([code_list], allow_legacy) }}
    ),

    code_years as (
        {{ dq_code_years('codes') }}
    ),

    -- The (census year, value) pairs that are not valid, read from the two columns alone:
    -- a handful of pairs however many rows the relation has.
    invalid_values as (
        select distinct
            checked_values.{{ census_year_column }} as census_year,
            checked_values.{{ column_name }} as code_value
        from {{ relation }} as checked_values
        left join code_years
            on
                cast(checked_values.{{ column_name }} as varchar) = code_years.code
                and checked_values.{{ census_year_column }} = code_years.census_year
        where
            checked_values.{{ column_name }} is not null
            and code_years.code is null
    ),

    -- The row count in its own one-row CTE, not `count(*) over ()` beside every row: a
    -- window over all columns of every row held the whole relation in memory (12 s and
    -- 4 GB for one test at scale 0.2); a count of a table is read from its metadata.
    row_count as (
        select count(*) as rows_checked
        from {{ relation }}
    ),

    -- Every row of an invalid pair, whole (the pairs are distinct: no row is repeated).
    failing as (
        select
            checked.*,
            row_count.rows_checked
        from {{ relation }} as checked
        inner join invalid_values
            on
                checked.{{ census_year_column }} is not distinct from invalid_values.census_year
                and checked.{{ column_name }} = invalid_values.code_value
        cross join row_count
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
                    -- the spans in year order: without `order by`, string_agg joins them
                    -- in whatever order the rows arrive
                    ' (valid ' || string_agg(
                        cast(codes.first_census_year as varchar)
                        || '-' || cast(codes.last_census_year as varchar), ', '
                        order by codes.first_census_year
                    ) || ')'
                from codes
                where codes.code = cast(failing.{{ column_name }} as varchar)
            ),
            ' (not in the code list)'
        ) as failure_reason
    from failing
{% endmacro %}

{# Text of a value for a failure_reason: the value, or 'missing'. #}
{% macro dq_text(expression) -%}
    coalesce(cast({{ expression }} as varchar), 'missing')
{%- endmacro %}

{#
    Join condition between two XML staging modules on the position keys that rebuild the
    nesting of the return (docs/cin_census.md §3a): one return is census_year + la_code; `level`
    is the deepest module both share (child, cin_details, assessment or cpp).
#}
{% macro dq_xml_keys_match(left, right, level) -%}
    {%- set keys = {
        'return': ['census_year', 'la_code'],
        'child': ['census_year', 'la_code', 'child_pos'],
        'cin_details': ['census_year', 'la_code', 'child_pos', 'cin_details_pos'],
        'assessment': ['census_year', 'la_code', 'child_pos', 'cin_details_pos', 'assessment_pos'],
        'cpp': ['census_year', 'la_code', 'child_pos', 'cin_details_pos', 'cpp_pos'],
    }[level] -%}
    {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}

{#
    Working days in England, one row per day (from working_day_numbers, the one calendar):
    for the DfE rules counted in working days.
#}
{% macro dq_working_days() %}
    select calendar.day as working_day
    from ({{ working_day_numbers() }}) as calendar
    where calendar.is_working_day
{% endmacro %}

{#
    One row per census year: the date `working_days` working days before the end of the
    census period (31 March, DfE's ReferenceDate). A date before it is "more than
    `working_days` working days before the ReferenceDate" (rules 8670Q, 8675Q).
#}
{% macro dq_working_day_cutoffs(working_days) %}
    select
        ranked.census_year,
        ranked.working_day as cutoff_date
    from (
        select
            census.census_year,
            days.working_day,
            row_number() over (
                partition by census.census_year order by days.working_day desc
            ) as working_days_back
        from {{ ref('ref_census_years') }} as census
        inner join ({{ dq_working_days() }}) as days
            on
                days.working_day < census.period_end
                and days.working_day >= census.period_end - interval 200 day
    ) as ranked
    where ranked.working_days_back = {{ working_days }}
{% endmacro %}

{#
    The check letter (character 1) a 13-character UPN should carry (DfE's UPN
    specification, rule 1510): characters 2-13 weighted 2 to 13, summed, modulo 23, read
    in the alphabet without I, O and S. A letter in position 13 (temporary UPN) counts as
    its position in that alphabet (A = 0). Call only on UPNs whose characters 2-12 are digits.
#}
{% macro dq_upn_check_letter(upn) -%}
    {%- set alphabet = 'ABCDEFGHJKLMNPQRTUVWXYZ' -%}
    substring(
        '{{ alphabet }}',
        1 + (
            {%- for position in range(2, 13) %}
            cast(substring({{ upn }}, {{ position }}, 1) as integer) * {{ position }} +
            {%- endfor %}
            coalesce(
                try_cast(substring({{ upn }}, 13, 1) as integer),
                strpos('{{ alphabet }}', substring({{ upn }}, 13, 1)) - 1
            ) * 13
        ) % 23,
        1
    )
{%- endmacro %}
