-- DfE rule 8650: message, summary and severity in seeds/ref_dfe_rules.csv. Failing rows:
-- failure_reason says which code, in which census year.

{% call dq_dfe_rule('8650', 'npd') %}
{{
    dq_values_valid_for_census_year(
        ref('stg_npd__cin'), 'primary_need_code', 'primary_need'
    )
}}
{% endcall %}
