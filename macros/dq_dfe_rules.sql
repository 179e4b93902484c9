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
