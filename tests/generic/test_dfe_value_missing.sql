{#
    dfe_value_missing: a DfE rule that a value must be present (8500, 8610, 8805 ...), and,
    with `valid_values`, one of a fixed list (8905, 8910) or, with `invalid_when` (SQL),
    not of a stated form (8500: blank; 8730: negative). Fails with each row of `relation`
    (restricted by `applies_when`, e.g. referrals going on to further action for 8610) whose
    `column` is missing or invalid. Hung on ref_dfe_rules (the `model`); see dq_dfe_rule
    and dq_dfe_row_check.
#}
{% test dfe_value_missing(
    model,
    rule_code,
    source,
    relation,
    keys,
    column,
    applies_when=none,
    columns=[],
    valid_values=none,
    invalid_when=none,
    joined=none,
    joined_level=none,
    joined_columns=[]
) %}
    {%- set failing = [column ~ ' is null'] %}
    {%- if valid_values is not none %}
        {%- do failing.append(column ~ " not in ('" ~ valid_values | join("', '") ~ "')") %}
    {%- endif %}
    {%- if invalid_when is not none %}{% do failing.append(invalid_when) %}{% endif %}
    {% call dq_dfe_rule(rule_code, source) %}
        {{ dq_dfe_row_check(
            source=source,
            relation=relation,
            keys=keys,
            columns=([column] if column not in joined_columns else []) + columns,
            failing_when=failing | join(' or '),
            reason=dq_sql_string(rule_code ~ ': ' ~ column ~ ' ') ~ ' || ' ~ dq_text(column)
                ~ " || ' is missing or invalid'",
            applies_when=applies_when,
            joined=joined,
            joined_level=joined_level,
            joined_columns=joined_columns,
        ) }}
    {% endcall %}
{% endtest %}
