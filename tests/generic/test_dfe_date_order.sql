{#
    dfe_date_order: a DfE rule that two dates of a record come in order (rules such as 1103,
    8630, 8925; "after death" rules read the death date as the later one). Fails with each
    row of `relation` where `later` is before `earlier` (`fails_when: before`), on the same
    day (`same_day`: 4012Q, 8840) or on or before it (`not_after`: 8841). A NULL date is no
    failure (a missing date is its own rule). Hung on ref_dfe_rules (the `model`); see
    dq_dfe_rule and dq_dfe_row_check for the other arguments.
#}
{% test dfe_date_order(
    model,
    rule_code,
    source,
    relation,
    keys,
    earlier,
    later,
    fails_when='before',
    applies_when=none,
    joined=none,
    joined_level=none,
    joined_columns=[]
) %}
    {%- set comparison = {'before': '<', 'same_day': '=', 'not_after': '<='}[fails_when] %}
    {%- set wording = {'before': ' is before ', 'same_day': ' is the same day as ', 'not_after': ' is not after '}[fails_when] %}
    {% call dq_dfe_rule(rule_code, source) %}
        {{ dq_dfe_row_check(
            source=source,
            relation=relation,
            keys=keys,
            columns=[earlier, later] | reject('in', joined_columns) | list,
            failing_when=later ~ ' ' ~ comparison ~ ' ' ~ earlier,
            reason=dq_sql_string(rule_code ~ ': ' ~ later ~ ' ') ~ ' || ' ~ dq_text(later)
                ~ ' || ' ~ dq_sql_string(wording ~ earlier ~ ' ') ~ ' || ' ~ dq_text(earlier),
            applies_when=applies_when,
            joined=joined,
            joined_level=joined_level,
            joined_columns=joined_columns,
        ) }}
    {% endcall %}
{% endtest %}
