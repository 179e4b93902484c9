{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8825Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8825Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: Reason for Closure code RC8 (case closed after assessment) or RC9 (case
-- closed after assessment, referred to early help) has been returned but there is no assessment
-- present for the episode. An episode closed with RC8/RC9 (after assessment) should have at
-- least one assessment.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_reason_code,
        exists(
            select 1
            from {{ ref('stg_xml__assessment') }} as assessment
            where {{ dq_xml_keys_match('assessment', 'episode', 'cin_details') }}
        ) as has_assessment,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    where episode.closure_reason_code in ('RC8', 'RC9')
)

select
    *,
    '8825Q: episode closed '
    || closure_reason_code
    || ' (after assessment) has no assessment' as failure_reason
from checked
where
    not has_assessment
