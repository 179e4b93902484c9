{#
    The frame of every DfE rule test, singular (tests/dfe_rules) or generic (the dfe_*
    tests of tests/generic). Called as a block around the test's query:

        {% call dq_dfe_rule('8820', 'xml') %} select ... {% endcall %}

    It gives the test its config from the rule code alone (tags dfe_rule and the source,
    meta dfe_rule_code / dfe_rule_type / source; DfE's type follows the code: a query's code
    ends in Q) and adds to each failing row its `error_ceiling`: the rule's error ceiling in
    seeds/ref_dfe_rules.csv (a share of the rows checked, 0 for the rules that must never
    fail, empty for the queries) times the row's `rows_checked`. dbt then warns on any
    failing row and fails the build when the failures exceed the ceiling; a rule without a
    ceiling never fails the build. So the severity policy is the seed, in one place.
    `rule_code` as DfE writes it (e.g. '2886Q'); `source` 'xml' or 'npd'.
#}
{% macro dq_dfe_rule(rule_code, source) %}
    {{- config(
        tags=['dfe_rule', source],
        meta={
            'dfe_rule_code': rule_code,
            'dfe_rule_type': 'query' if rule_code.endswith('Q') else 'error',
            'source': source,
        },
        severity='error',
        warn_if='>0',
        error_if='>max(error_ceiling)',
    ) -}}
    select
        rule_failures.*,
        (
            select max(rules.error_ceiling)
            from {{ ref('ref_dfe_rules') }} as rules
            where rules.rule_code = {{ dq_sql_string(rule_code) }}
        ) * rule_failures.rows_checked as error_ceiling
    from (
        {{ caller() }}
    ) as rule_failures
{% endmacro %}

{#
    The query of a DfE rule that is checked row by row (the dfe_* generic tests): the rows
    of `relation`, each with its `keys` and `columns` (a column that is also a key comes
    out once); of them the rows for which `applies_when` holds (all rows without it) are
    the `rows_checked`, and those for which `failing_when` holds fail, with `reason` (a SQL
    expression) as failure_reason. `joined` (optional) is a related XML module whose
    `joined_columns` the rule also reads (e.g. the episode's referral date), matched on the
    position keys of `joined_level` (dq_xml_keys_match); `census_period` adds the census
    year's period_start and period_end (ref_census_years). `applies_when`, `failing_when`
    and `reason` name the columns as they come out (keys, columns, joined_columns,
    period_start, period_end). On the NPD (`source` 'npd') the key `la_code` is the LA code
    of any year (dq_dfe_columns).
#}
{% macro dq_dfe_row_check(
    source,
    relation,
    keys,
    columns,
    failing_when,
    reason,
    applies_when=none,
    joined=none,
    joined_level=none,
    joined_columns=[],
    census_period=false
) %}
    {%- set selected = [dq_dfe_columns(source, keys, 'rule_row')] %}
    {%- set own_columns = columns | reject('in', keys) | list %}
    {%- if own_columns %}{% do selected.append(dq_dfe_columns(source, own_columns, 'rule_row')) %}{% endif %}
    {%- for column in joined_columns %}{% do selected.append('joined_row.' ~ column) %}{% endfor %}
    {%- if census_period %}{% do selected.extend(['census.period_start', 'census.period_end']) %}{% endif %}
    {#- Both CTEs are read twice (count, failures). Materialised (DuckDB's choice), every
        checked row was written out first (16.5M at national scale); inlined, the count is
        the table's row count or a scan of the `applies_when` columns, and the failure
        condition is pushed into the scan. Kept materialised when a join feeds them, so the
        join runs once. #}
    {%- set inlined = 'not materialized ' if joined is none else '' %}
    with projected as {{ inlined }}(
        select
            {{ selected | join(',\n            ') }}
        from {{ relation }} as rule_row
        {%- if joined is not none %}
        inner join {{ joined }} as joined_row
            on {{ dq_xml_keys_match('rule_row', 'joined_row', joined_level) }}
        {%- endif %}
        {%- if census_period %}
        inner join {{ ref('ref_census_years') }} as census
            on rule_row.census_year = census.census_year
        {%- endif %}
    ),

    checked as {{ inlined }}(
        select projected.*
        from projected
        {%- if applies_when is not none %}
        where {{ applies_when }}
        {%- endif %}
    ),

    -- Counted in its own one-row CTE rather than by a window beside every row (which holds
    -- every checked row in memory at once).
    checked_count as (
        select count(*) as rows_checked
        from checked
    )

    select
        checked.*,
        checked_count.rows_checked,
        {{ reason }} as failure_reason
    from checked
    cross join checked_count
    where {{ failing_when }}
{% endmacro %}

{#
    The select list of `columns` of the relation aliased `alias` (the caller's own alias,
    passed in), comma-separated. On the NPD (`source` 'npd') the column `la_code` is the LA
    code of any year: la_code, or la_code_post_2009 in 2008/09 (docs/cin_census.md §3b).
#}
{% macro dq_dfe_columns(source, columns, alias) -%}
    {%- for column in columns -%}
        {%- if source == 'npd' and column == 'la_code' -%}
            coalesce({{ alias }}.la_code, {{ alias }}.la_code_post_2009) as la_code
        {%- else -%}
            {{ alias }}.{{ column }}
        {%- endif -%}
        {%- if not loop.last %},
            {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{# The rows of `relation` a rule applies to: those where `applies_when` (SQL) holds, or all. #}
{% macro dq_dfe_rows_applying(relation, applies_when) -%}
    select * from {{ relation }}{% if applies_when %} where {{ applies_when }}{% endif %}
{%- endmacro %}
