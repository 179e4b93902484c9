-- Assessment records in the conformed shape. XML only: the NPD extract carries no
-- assessments (docs/cin_census.md §3b), so every record has source_kind 'xml'.
select
    {{ xml_record_keys('assessments', 'episodes', 'children') }},
    assessments.assessment_pos,
    assessments.assessment_start_date,
    assessments.assessment_internal_review_date,
    assessments.assessment_authorisation_date
from {{ ref('stg_xml__assessment') }} as assessments
{{ xml_episode_join('assessments', 'episodes', 'children') }}
