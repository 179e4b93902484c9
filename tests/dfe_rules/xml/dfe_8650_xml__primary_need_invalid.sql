-- DfE rule 8650: message, summary and severity in seeds/ref_dfe_rules.csv. Failing rows:
-- failure_reason says which code, in which census year.

{% call dq_dfe_rule('8650', 'xml') %}
{{
    dq_values_valid_for_census_year(
        ref('stg_xml__cin_details'), 'primary_need_code', 'primary_need'
    )
}}
{% endcall %}
