{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8650', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8650 (error; rulesets cin2022_23 to current): Primary Need Code invalid (see Primary
-- Need table in CIN census code set). PrimaryNeedCode, where present, must be a valid code N0-N9.
-- Failing rows: failure_reason says which code, in which census year.
{{
    dq_values_valid_for_census_year(
        ref('stg_npd__cin'), 'primary_need_code', 'primary_need'
    )
}}
