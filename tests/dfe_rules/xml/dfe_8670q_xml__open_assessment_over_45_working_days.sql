{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8670Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8670Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: Assessment started more than 45 working days before the end of the census
-- year. However, there is no Assessment end date. An unauthorised (open) assessment should not
-- have started more than 45 working days before the ReferenceDate.

with cutoffs as (
    {{ dq_working_day_cutoffs(45) }}
),

checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_start_date,
        cutoffs.cutoff_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join cutoffs
        on assessment.census_year = cutoffs.census_year
    where assessment.assessment_authorisation_date is null
)

select
    *,
    '8670Q: open assessment started '
    || {{ dq_text('assessment_start_date') }}
    || ', more than 45 working days before the end of the census year' as failure_reason
from checked
where
    assessment_start_date < cutoff_date
