{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '2991Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 2991Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: A Section 47 module is recorded and there is no assessment on the episode. If
-- an episode has a Section47 record it should also have an Assessment record.

with checked as (
    select distinct
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        exists(
            select 1
            from {{ ref('stg_xml__assessment') }} as assessment
            where {{ dq_xml_keys_match('assessment', 's47', 'cin_details') }}
        ) as has_assessment,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
)

select
    *,
    '2991Q: episode has a Section 47 enquiry but no assessment' as failure_reason
from checked
where
    not has_assessment
