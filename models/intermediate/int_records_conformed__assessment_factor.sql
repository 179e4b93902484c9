-- Factors identified at assessment, one record per factor code, in the conformed shape.
-- XML only: the NPD extract carries no assessments (docs/cin_census.md §3b).
select
    {{ xml_record_keys('factors', 'episodes', 'children') }},
    factors.assessment_pos,
    factors.factor_pos,
    factors.assessment_factor_code
from {{ ref('stg_xml__assessment_factor') }} as factors
{{ xml_episode_join('factors', 'episodes', 'children') }}
