-- Child protection plan records of each census year from both sources in one shape. NPD:
-- the plan columns of an NPD row (rows with no plan value are not plan records), one
-- record per distinct plan in a year (`record_count` rows carried it); CategoryOfAbuse
-- (2008/09 only) is the initial category of that year. XML: one record per
-- ChildProtectionPlans element, with the child and the referral it belongs to.
with npd_loads as (
    {{ npd_loads(ref('stg_npd__cin')) }}
),

npd_plan_rows as (
    select
        staged.census_year,
        staged.la_code,
        staged.la_code_current,
        staged.is_la_split_allocation,
        staged.la_child_id,
        staged.referral_date,
        staged.cpp_start_date,
        staged.cpp_end_date,
        staged.latest_abuse_category_code,
        staged.previous_cpp_count,
        npd_loads.load_number,
        staged.source_line_number,
        coalesce(staged.initial_abuse_category_code, staged.abuse_category_code)
            as initial_abuse_category_code
    from {{ ref('stg_npd__cin') }} as staged
    inner join npd_loads on {{ npd_load_matches('staged', 'npd_loads') }}
    where
        staged.cpp_start_date is not null
        or staged.cpp_end_date is not null
        or staged.abuse_category_code is not null
        or staged.initial_abuse_category_code is not null
        or staged.latest_abuse_category_code is not null
        or staged.previous_cpp_count is not null
),

-- the load's number stands for its file and id in the grouping (macros/staging/provenance.sql)
npd_plan_groups as (
    select
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
        load_number,
        min(source_line_number) as first_source_line_number,
        count(*) as record_count
    from npd_plan_rows
    group by
        census_year, la_code, la_code_current, is_la_split_allocation, la_child_id,
        referral_date, cpp_start_date, cpp_end_date, initial_abuse_category_code,
        latest_abuse_category_code, previous_cpp_count, load_number
),

npd_plans as (
    select
        'npd' as source_kind,
        plan_groups.census_year,
        plan_groups.la_code,
        plan_groups.la_code_current,
        plan_groups.is_la_split_allocation,
        plan_groups.la_child_id,
        plan_groups.referral_date,
        plan_groups.cpp_start_date,
        plan_groups.cpp_end_date,
        plan_groups.initial_abuse_category_code,
        plan_groups.latest_abuse_category_code,
        plan_groups.previous_cpp_count,
        npd_loads.source_file,
        npd_loads.load_id,
        cast(null as integer) as child_pos,
        cast(null as integer) as cin_details_pos,
        cast(null as integer) as cpp_pos,
        plan_groups.first_source_line_number,
        plan_groups.record_count
    from npd_plan_groups as plan_groups
    inner join npd_loads on plan_groups.load_number = npd_loads.load_number
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
