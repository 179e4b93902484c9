{#
    dfe_record_check: a DfE rule on the values of one record (a format, a weekday, a code
    that should not be used, a date beyond the census year ...), with, where the rule needs
    them, the columns of a related XML module (`joined`) and the census period
    (`census_period`). Fails with each row of `relation` (restricted by `applies_when`)
    for which `failing_when` (SQL on `keys`, `columns`, `joined_columns`, period_start,
    period_end) holds; failure_reason is the rule code and `says`. The families with
    logic of their own are dfe_date_order, dfe_date_outside_census_year, dfe_value_missing,
    dfe_code_not_valid_for_year and dfe_dates_overlap. Hung on ref_dfe_rules (the
    `model`); see dq_dfe_rule and dq_dfe_row_check.
#}
{% test dfe_record_check(
    model,
    rule_code,
    source,
    relation,
    keys,
    columns,
    failing_when,
    says,
    applies_when=none,
    joined=none,
    joined_level=none,
    joined_columns=[],
    census_period=false
) %}
    {% call dq_dfe_rule(rule_code, source) %}
        {{ dq_dfe_row_check(
            source=source,
            relation=relation,
            keys=keys,
            columns=columns,
            failing_when=failing_when,
            reason=dq_sql_string(rule_code ~ ': ' ~ says),
            applies_when=applies_when,
            joined=joined,
            joined_level=joined_level,
            joined_columns=joined_columns,
            census_period=census_period,
        ) }}
    {% endcall %}
{% endtest %}
