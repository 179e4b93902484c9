{#
    dfe_code_not_valid_for_year: a DfE rule that a code, where present, is a valid code of
    its list in the census year of the return (ref_codes; 8640, 8650). The logic is the
    macro dq_values_valid_for_census_year, shared with the generic test
    values_valid_for_census_year; failure_reason says in which years the code is valid.
    Hung on ref_dfe_rules (the `model`); see dq_dfe_rule.
#}
{% test dfe_code_not_valid_for_year(model, rule_code, source, relation, column, code_list) %}
    {% call dq_dfe_rule(rule_code, source) %}
        {{ dq_values_valid_for_census_year(relation, column, code_list) }}
    {% endcall %}
{% endtest %}
