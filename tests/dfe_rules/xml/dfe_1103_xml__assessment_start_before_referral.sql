{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1103', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1103 (error; rulesets cin2022_23 to current): The assessment start date cannot be
-- before the referral date. Assessment start date must be on or after the CIN referral date of
-- the same CINdetails episode.

with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('assessment', 'episode', 'cin_details') }}
)

select
    *,
    '1103: assessment start date '
    || {{ dq_text('assessment_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    assessment_start_date < referral_date
