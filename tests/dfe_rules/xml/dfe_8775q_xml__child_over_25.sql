{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8775Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8775Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: Child is over 25 years old. Query a child aged over 25 at ReferenceDate whose
-- episode is open or closed after their 25th birthday.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        child.la_child_id,
        child.birth_date,
        episode.closure_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
    inner join {{ ref('ref_census_years') }} as census
        on episode.census_year = census.census_year
    where child.birth_date + interval 25 year < census.period_end
)

select
    *,
    '8775Q: child born '
    || {{ dq_text('birth_date') }}
    || ' is over 25 with an episode open after their 25th birthday' as failure_reason
from checked
where
    closure_date is null or closure_date > birth_date + interval 25 year
