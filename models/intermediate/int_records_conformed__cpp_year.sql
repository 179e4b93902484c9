-- Child protection plan records of each census year from both sources in one shape. NPD:
-- the plan columns of an NPD row (rows with no plan value are not plan records), one
-- record per distinct plan in a year (`record_count` rows carried it); CategoryOfAbuse
-- (2008/09 only) is the initial category of that year. XML: one record per
-- ChildProtectionPlans element, with the child and the referral it belongs to.
with npd_plan_rows as (
    select
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        referral_date,
        cpp_start_date,
        cpp_end_date,
        latest_abuse_category_code,
        previous_cpp_count,
        source_file,
        load_id,
        source_line_number,
        coalesce(initial_abuse_category_code, abuse_category_code) as initial_abuse_category_code
    from {{ ref('stg_npd__cin') }}
    where
        cpp_start_date is not null
        or cpp_end_date is not null
        or abuse_category_code is not null
        or initial_abuse_category_code is not null
        or latest_abuse_category_code is not null
        or previous_cpp_count is not null
),

npd_plans as (
    select
        'npd' as source_kind,
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        referral_date,
        cpp_start_date,
        cpp_end_date,
        initial_abuse_category_code,
        latest_abuse_category_code,
        previous_cpp_count,
        source_file,
        load_id,
        cast(null as integer) as child_pos,
        cast(null as integer) as cin_details_pos,
        cast(null as integer) as cpp_pos,
        min(source_line_number) as first_source_line_number,
        count(*) as record_count
    from npd_plan_rows
    group by
        census_year, la_code, la_code_current, is_la_split_allocation, la_child_id,
        referral_date, cpp_start_date, cpp_end_date, initial_abuse_category_code,
        latest_abuse_category_code, previous_cpp_count, source_file, load_id
),

xml_plans as (
    select
        'xml' as source_kind,
        protection_plans.census_year,
        protection_plans.la_code,
        protection_plans.la_code_current,
        protection_plans.is_la_split_allocation,
        children.la_child_id,
        episodes.referral_date,
        protection_plans.cpp_start_date,
        protection_plans.cpp_end_date,
        protection_plans.initial_abuse_category_code,
        protection_plans.latest_abuse_category_code,
        protection_plans.previous_cpp_count,
        protection_plans.source_file,
        protection_plans.load_id,
        protection_plans.child_pos,
        protection_plans.cin_details_pos,
        protection_plans.cpp_pos,
        protection_plans.source_line_number as first_source_line_number,
        1 as record_count
    from {{ ref('stg_xml__cpp') }} as protection_plans
    {{ xml_episode_join('protection_plans', 'episodes', 'children') }}
)

select * from npd_plans
union all
select * from xml_plans
