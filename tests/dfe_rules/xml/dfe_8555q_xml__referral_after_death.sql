{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8555Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8555Q (query; rulesets cin2022_23 to current): Child cannot be referred after its
-- recorded date of death. CIN referral date should be on or before the child's death date.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        child.la_child_id,
        episode.referral_date,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
    where child.death_date is not null
)

select
    *,
    '8555Q: referral date '
    || {{ dq_text('referral_date') }}
    || ' is after the date of death '
    || {{ dq_text('death_date') }} as failure_reason
from checked
where
    referral_date > death_date
