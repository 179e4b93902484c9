{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8640', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8640 (error; rulesets cin2022_23 to current): CIN Reason for closure code invalid (see
-- Reason for Closure table in CIN Census code set). ReasonForClosure, where present, must be a
-- valid code RC1-RC9.
-- Failing rows: failure_reason says which code, in which census year.
{{
    dq_values_valid_for_census_year(
        ref('stg_xml__cin_details'), 'closure_reason_code', 'closure_reason'
    )
}}
