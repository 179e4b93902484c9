{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8873Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8873Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: When there is only one assessment on the episode and the factors code “21 No
-- factors identified” has been used for the completed assessment, the reason for closure ‘RC8’ or
-- ’RC9’ should be used. If an episode's only assessment has factor 21, ReasonForClosure should
-- be RC8 or RC9.
-- Checked on closed episodes (an open episode has no reason for closure yet).

with assessments as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) as assessments
    from {{ ref('stg_xml__assessment') }}
    group by census_year, la_code, child_pos, cin_details_pos
),

factor_21 as (
    select distinct
        census_year,
        la_code,
        child_pos,
        cin_details_pos
    from {{ ref('stg_xml__assessment_factor') }}
    where assessment_factor_code = '21'
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_reason_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join assessments
        on {{ dq_xml_keys_match('assessments', 'episode', 'cin_details') }}
    inner join factor_21
        on {{ dq_xml_keys_match('factor_21', 'episode', 'cin_details') }}
    where assessments.assessments = 1 and episode.closure_date is not null
)

select
    *,
    '8873Q: the only assessment found no factors (21) but the reason for closure is '
    || {{ dq_text('closure_reason_code') }} as failure_reason
from checked
where
    closure_reason_code is null or closure_reason_code not in ('RC8', 'RC9')
