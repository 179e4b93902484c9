{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8898', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8898 (error; rulesets cin2022_23 to current): The assessment has more than one
-- parental or child factors with the same code. The same assessment factor must not be recorded
-- more than once for one assessment.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        assessment_factor_code,
        count(*) as times_recorded,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment_factor') }}
    group by
        census_year, la_code, child_pos, cin_details_pos, assessment_pos, assessment_factor_code
)

select
    *,
    '8898: factor '
    || {{ dq_text('assessment_factor_code') }}
    || ' is recorded '
    || times_recorded
    || ' times for one assessment' as failure_reason
from checked
where
    times_recorded > 1
