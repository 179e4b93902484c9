{#
    dfe_date_outside_census_year: a DfE rule that a date, where present, falls within the
    census year of the return (period_start to period_end = ReferenceDate, ref_census_years;
    2008/09 from 1 October 2008). Fails with each row of `relation` whose `column` is
    outside it; `applies_when` narrows the rows the rule applies to (e.g. unauthorised assessments
    for 8736). Hung on ref_dfe_rules (the `model`); see dq_dfe_rule and dq_dfe_row_check.
#}
{% test dfe_date_outside_census_year(
    model, rule_code, source, relation, keys, column, applies_when=none, columns=[]
) %}
    {% call dq_dfe_rule(rule_code, source) %}
        {{ dq_dfe_row_check(
            source=source,
            relation=relation,
            keys=keys,
            columns=[column] + columns,
            failing_when=column ~ ' not between period_start and period_end',
            reason=dq_sql_string(rule_code ~ ': ' ~ column ~ ' ') ~ ' || ' ~ dq_text(column)
                ~ " || ' is outside the census year ' || " ~ dq_text('period_start')
                ~ " || ' to ' || " ~ dq_text('period_end'),
            applies_when=column ~ ' is not null' ~ ((' and (' ~ applies_when ~ ')') if applies_when else ''),
            census_period=true,
        ) }}
    {% endcall %}
{% endtest %}
