-- Section 47 enquiry records in the conformed shape. XML only: the NPD extract carries no
-- section 47 module (docs/cin_census.md §3b).
select
    {{ xml_record_keys('enquiries', 'episodes', 'children') }},
    enquiries.s47_pos,
    enquiries.s47_start_date,
    enquiries.initial_cpc_target_date,
    enquiries.initial_cpc_date,
    enquiries.is_icpc_not_required
from {{ ref('stg_xml__section47') }} as enquiries
{{ xml_episode_join('enquiries', 'episodes', 'children') }}
