{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8585Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8585Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: CIN episode shows Died as the Closure Reason, however child has no recorded
-- Date of Death. If ReasonForClosure is RC2 (died), PersonDeathDate should be present.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        child.la_child_id,
        episode.closure_reason_code,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
    where episode.closure_reason_code = 'RC2'
)

select
    *,
    '8585Q: episode closed RC2 (died) but the child has no date of death' as failure_reason
from checked
where
    death_date is null
