{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8869', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8869 (error; rulesets cin2022_23 to current): The assessment factors code “21” cannot
-- be used in conjunction with any other assessment factors. If assessment factor 21 (no factors
-- identified) is recorded, it must be the only factor for that assessment.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        string_agg(assessment_factor_code, ', ') as factors,
        bool_or(assessment_factor_code = '21') as has_21,
        count(*) as factor_records,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment_factor') }}
    group by census_year, la_code, child_pos, cin_details_pos, assessment_pos
)

select
    *,
    '8869: factor 21 (no factors identified) is recorded with other factors: '
    || factors as failure_reason
from checked
where
    has_21 and factor_records > 1
