{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8614', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8614 (error; rulesets cin2022_23 to current): Parental or child factors at assessment
-- should only be present for a completed assessment. If an assessment has no authorisation date,
-- it must have no assessment factors.

with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_start_date,
        (
            select string_agg(factor.assessment_factor_code, ', ')
            from {{ ref('stg_xml__assessment_factor') }} as factor
            where {{ dq_xml_keys_match('factor', 'assessment', 'assessment') }}
        ) as factors,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    where assessment.assessment_authorisation_date is null
)

select
    *,
    '8614: assessment started '
    || {{ dq_text('assessment_start_date') }}
    || ' is not authorised but has factors '
    || factors as failure_reason
from checked
where
    factors is not null
