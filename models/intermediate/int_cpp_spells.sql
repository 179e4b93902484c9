-- One row per child protection plan, gathered across all its yearly records (BMJ Open
-- 2019: "CPP details must be gathered across all records"). Which record wins:
--   * start date: the key (int_cpp_records_linked); where the NPD gap left it unrecorded,
--     the episode's DateOfInitialCPC when the episode has exactly one such plan (a plan
--     starts at its initial conference, docs/cin_census.md §2), flagged
--     `start_date_is_inferred`; else NULL;
--   * end date: the latest non-null; a plan with no end date that is absent from a later
--     return of its LA (the returns list every plan open in the year, DfE methodology
--     2016-17) ended by 31 March of the last census year it appeared in, or at its
--     episode's closure if earlier: `end_date_is_inferred`. NPD plans last seen in 2008/09
--     cannot be followed through 2009/10-2011/12 (no plan columns): their end is inferred
--     only from a written episode closure;
--   * initial category: the earliest record's; latest category: the latest record's;
--     previous plans: the earliest record's; reviews: distinct review dates (XML);
--   * episode: the latest record's.
with records as (
    select
        *,
        -- The latest record is the last returned (return_order); at national scale 187
        -- plan-years hold two NPD rows under one key, two plans of a child returned without
        -- start dates, whose categories differ: by census year alone two builds differed.
        {{ return_order('first_source_line_number', 'cpp_pos') }} as record_order
    from {{ ref('int_cpp_records_linked') }}
    where cpp_id is not null
),

plans as (
    select
        cpp_id,
        any_value(source_kind) as source_kind,
        any_value(child_id) as child_id,
        min(cpp_start_date) as recorded_start_date,
        bool_and(is_start_date_unrecorded) as is_start_date_unrecorded,
        arg_max(episode_id, record_order) as episode_id,
        arg_max(la_code, record_order) as la_code,
        arg_max(cpp_end_date, record_order) filter (where cpp_end_date is not null)
            as written_end_date,
        arg_min(initial_abuse_category_code, record_order)
        filter (where initial_abuse_category_code is not null)
            as initial_abuse_category_code,
        arg_max(latest_abuse_category_code, record_order)
        filter (where latest_abuse_category_code is not null)
            as latest_abuse_category_code,
        arg_min(previous_cpp_count, record_order) filter (where previous_cpp_count is not null)
            as previous_cpp_count,
        min(census_year) as first_census_year,
        max(census_year) as last_census_year,
        count(*) as record_count
    from records
    group by cpp_id
),

reviews as (
    select
        child_keys.child_id,
        reviews.cpp_start_date,
        count(distinct reviews.cpp_review_date) as review_count
    from {{ ref('int_records_conformed__cpp_review') }} as reviews
    inner join {{ ref('int_child_keys_resolved') }} as child_keys
        on
            reviews.source_kind = child_keys.source_kind
            and reviews.la_code = child_keys.la_code
            and reviews.la_child_id = child_keys.la_child_id
    where reviews.cpp_review_date is not null
    group by child_keys.child_id, reviews.cpp_start_date
),

gap_plans_per_episode as (
    select
        episode_id,
        count(*) as unrecorded_start_plans
    from plans
    where is_start_date_unrecorded
    group by episode_id
),

with_episode as (
    select
        plans.*,
        episodes.closure_date as episode_closure_date,
        episodes.written_closure_date as episode_written_closure_date,
        episodes.la_last_census_year,
        case
            when plans.is_start_date_unrecorded and gap_plans_per_episode.unrecorded_start_plans = 1
                then episodes.initial_cpc_date
        end as recovered_start_date
    from plans
    left join {{ ref('int_episodes_folded') }} as episodes
        on plans.episode_id = episodes.episode_id
    left join gap_plans_per_episode on plans.episode_id = gap_plans_per_episode.episode_id
)

select
    with_episode.cpp_id,
    with_episode.episode_id,
    with_episode.child_id,
    with_episode.source_kind,
    with_episode.la_code,
    coalesce(with_episode.recorded_start_date, with_episode.recovered_start_date)
        as start_date,
    with_episode.recorded_start_date is null
    and with_episode.recovered_start_date is not null as start_date_is_inferred,
    with_episode.is_start_date_unrecorded,
    case
        when with_episode.written_end_date is not null then with_episode.written_end_date
        when with_episode.last_census_year >= with_episode.la_last_census_year then null
        when with_episode.source_kind = 'npd' and with_episode.last_census_year = 2009
            then with_episode.episode_written_closure_date
        else least(
            {{ census_year_end('with_episode.last_census_year') }},
            with_episode.episode_closure_date
        )
    end as end_date,
    with_episode.written_end_date is null
    and with_episode.last_census_year < with_episode.la_last_census_year
    and not (
        with_episode.source_kind = 'npd' and with_episode.last_census_year = 2009
        and with_episode.episode_written_closure_date is null
    ) as end_date_is_inferred,
    with_episode.initial_abuse_category_code,
    with_episode.latest_abuse_category_code,
    with_episode.previous_cpp_count,
    case when with_episode.source_kind = 'xml' then coalesce(reviews.review_count, 0) end
        as review_count,
    with_episode.first_census_year,
    with_episode.last_census_year,
    with_episode.record_count
from with_episode
left join reviews
    on
        with_episode.child_id = reviews.child_id
        and with_episode.recorded_start_date = reviews.cpp_start_date
