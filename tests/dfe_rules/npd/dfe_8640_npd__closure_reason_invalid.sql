-- DfE rule 8640: message, summary and severity in seeds/ref_dfe_rules.csv. Failing rows:
-- failure_reason says which code, in which census year.

{% call dq_dfe_rule('8640', 'npd') %}
{{
    dq_values_valid_for_census_year(
        ref('stg_npd__cin'), 'closure_reason_code', 'closure_reason'
    )
}}
{% endcall %}
