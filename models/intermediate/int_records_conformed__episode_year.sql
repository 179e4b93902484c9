-- Episode (referral) records of each census year from both sources in one shape. An NPD
-- row is child x referral x plan (docs/cin_census.md §3b), so an episode with two plans in a year
-- has two rows: an NPD record here is one distinct combination of the episode's values in
-- a year (`record_count` rows carried it). XML: one record per CINdetails element, with
-- the child's LAchildID from its Child element. The episode key (LA + LAchildID +
-- referral date, BMJ Open 2019) is built downstream from these columns.
with npd_loads as (
    {{ npd_loads(ref('stg_npd__cin')) }}
),

npd_episode_rows as (
    select
        staged.census_year,
        staged.la_code,
        staged.la_code_current,
        staged.is_la_split_allocation,
        staged.la_child_id,
        staged.referral_date,
        staged.referral_source_code,
        staged.primary_need_code,
        staged.closure_date,
        staged.closure_reason_code,
        staged.is_referral_nfa,
        staged.initial_cpc_date,
        staged.is_cin_at_31_march,
        npd_loads.load_number,
        staged.source_line_number
    from {{ ref('stg_npd__cin') }} as staged
    inner join npd_loads on {{ npd_load_matches('staged', 'npd_loads') }}
),

-- the load's number stands for its file and id in the grouping (macros/staging/provenance.sql)
npd_episode_groups as (
    select
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        referral_date,
        referral_source_code,
        primary_need_code,
        closure_date,
        closure_reason_code,
        is_referral_nfa,
        initial_cpc_date,
        is_cin_at_31_march,
        load_number,
        min(source_line_number) as first_source_line_number,
        count(*) as record_count
    from npd_episode_rows
    group by
        census_year, la_code, la_code_current, is_la_split_allocation, la_child_id,
        referral_date, referral_source_code, primary_need_code, closure_date,
        closure_reason_code, is_referral_nfa, initial_cpc_date, is_cin_at_31_march,
        load_number
),

npd_episodes as (
    select
        'npd' as source_kind,
        episode_groups.census_year,
        episode_groups.la_code,
        episode_groups.la_code_current,
        episode_groups.is_la_split_allocation,
        episode_groups.la_child_id,
        episode_groups.referral_date,
        episode_groups.referral_source_code,
        episode_groups.primary_need_code,
        episode_groups.closure_date,
        episode_groups.closure_reason_code,
        episode_groups.is_referral_nfa,
        episode_groups.initial_cpc_date,
        episode_groups.is_cin_at_31_march,
        npd_loads.source_file,
        npd_loads.load_id,
        cast(null as integer) as child_pos,
        cast(null as integer) as cin_details_pos,
        episode_groups.first_source_line_number,
        episode_groups.record_count
    from npd_episode_groups as episode_groups
    inner join npd_loads on episode_groups.load_number = npd_loads.load_number
),

xml_episodes as (
    select
        'xml' as source_kind,
        episodes.census_year,
        episodes.la_code,
        episodes.la_code_current,
        episodes.is_la_split_allocation,
        children.la_child_id,
        episodes.referral_date,
        episodes.referral_source_code,
        episodes.primary_need_code,
        episodes.closure_date,
        episodes.closure_reason_code,
        episodes.is_referral_nfa,
        episodes.initial_cpc_date,
        -- the XML has no such flag: open at 31 March = no closure date in the return
        -- (docs/cin_census.md §7, children in need at 31 March)
        cast(null as boolean) as is_cin_at_31_march,
        episodes.source_file,
        episodes.load_id,
        episodes.child_pos,
        episodes.cin_details_pos,
        episodes.source_line_number as first_source_line_number,
        1 as record_count
    from {{ ref('stg_xml__cin_details') }} as episodes
    {{ xml_child_join('episodes', 'children') }}
)

select * from npd_episodes
union all
select * from xml_episodes
