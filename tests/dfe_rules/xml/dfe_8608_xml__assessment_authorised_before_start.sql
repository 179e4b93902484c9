{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8608', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8608 (error; rulesets cin2022_23 to current): Assessment Start Date cannot be later
-- than its End Date. Assessment authorisation date, where present, must be on or after the
-- assessment start date.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        assessment_start_date,
        assessment_authorisation_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }}
)

select
    *,
    '8608: assessment authorisation date '
    || {{ dq_text('assessment_authorisation_date') }}
    || ' is before '
    || {{ dq_text('assessment_start_date') }} as failure_reason
from checked
where
    assessment_authorisation_date < assessment_start_date
