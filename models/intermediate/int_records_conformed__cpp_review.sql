-- Child protection plan review records in the conformed shape, with the plan's start date
-- so a review can be tied to its plan. XML only: the NPD extract carries no reviews
-- (docs/cin_census.md §3b).
select
    {{ xml_record_keys('reviews', 'episodes', 'children') }},
    reviews.cpp_pos,
    protection_plans.cpp_start_date,
    reviews.review_pos,
    reviews.cpp_review_date
from {{ ref('stg_xml__cpp_review') }} as reviews
left join {{ ref('stg_xml__cpp') }} as protection_plans
    on
        reviews.source_file = protection_plans.source_file
        and reviews.load_id = protection_plans.load_id
        and reviews.child_pos = protection_plans.child_pos
        and reviews.cin_details_pos = protection_plans.cin_details_pos
        and reviews.cpp_pos = protection_plans.cpp_pos
{{ xml_episode_join('reviews', 'episodes', 'children') }}
