-- One row per episode (one referral): its yearly records (int_episode_records_linked)
-- folded into one. Which record wins (BMJ Open 2019: "the most recent record is the most
-- accurate"):
--   * mutable fields (LA as submitted, LAchildID, need, source, NFA): the latest return
--     (highest census year, then last line);
--   * closure date and reason: the latest record that carries a closure date on or after
--     the referral (a closure typed before the referral is no date, docs/cin_census.md §3b);
--   * referral date: the latest return's (amended dates folded in upstream); the first
--     return's date is kept as referral_date_as_first_reported;
--   * DateOfInitialCPC: the latest non-null.
-- Inferred closure, one rule: an episode with no closure date that stops appearing in the
-- returns of its LA while that LA submitted a later return is closed; its closure date is
-- inferred as 31 March of the last census year it appeared in (each return holds every
-- case open at any point in the year, DfE methodology 2016-17 §2, so a case absent from
-- the next return closed no later than the start of that year). `closure_date_is_inferred`
-- says so; an episode still in the LA's latest return stays open (closure NULL).
with linked as (
    select * from {{ ref('int_episode_records_linked') }}
    where episode_id is not null
),

areas as (
    select
        cast(submitted_la_code as varchar) as la_code,
        cast(harmonised_area_code as varchar) as harmonised_area_code
    from {{ ref('ref_la_harmonisation') }}
),

la_returns as (
    -- the last census year each LA submitted a return (per source), read at the level of
    -- its harmonised area: the successors of a reorganised LA carry on its returns
    select
        linked.source_kind,
        linked.child_la_code,
        max(max(linked.census_year)) over (
            partition by linked.source_kind, areas.harmonised_area_code
        ) as la_last_census_year
    from linked
    left join areas on linked.child_la_code = areas.la_code
    group by linked.source_kind, linked.child_la_code, areas.harmonised_area_code
),

episode_spans as (
    select
        episode_id,
        min(census_year) as first_census_year,
        max(census_year) as last_census_year,
        count(distinct census_year) as census_year_count,
        count(*) as record_count,
        bool_or(is_referral_date_amended) as is_referral_date_amended,
        bool_or(is_closure_before_referral) as has_closure_before_referral,
        arg_min(referral_date, cast(census_year as bigint) * 100000000 + first_source_line_number)
            as referral_date_as_first_reported,
        arg_max(
            initial_cpc_date, cast(census_year as bigint) * 100000000 + first_source_line_number
        )
        filter (where initial_cpc_date is not null) as initial_cpc_date,
        arg_max(closure_date, cast(census_year as bigint) * 100000000 + first_source_line_number)
        filter (where closure_date is not null and not is_closure_before_referral)
            as written_closure_date,
        arg_max(
            closure_reason_code, cast(census_year as bigint) * 100000000 + first_source_line_number
        )
        filter (where closure_date is not null and not is_closure_before_referral)
            as written_closure_reason_code,
        count(distinct closure_date) filter (where not is_closure_before_referral)
            as distinct_closure_dates
    from linked
    group by episode_id
),

latest_records as (
    select *
    from linked
    qualify
        row_number() over (
            partition by episode_id order by census_year desc, first_source_line_number desc
        ) = 1
)

select
    latest_records.episode_id,
    latest_records.child_id,
    latest_records.source_kind,
    latest_records.la_code,
    latest_records.child_la_code as la_code_current,
    latest_records.la_child_id,
    latest_records.episode_referral_date as referral_date,
    episode_spans.referral_date_as_first_reported,
    episode_spans.is_referral_date_amended,
    coalesce(
        episode_spans.written_closure_date,
        case
            when episode_spans.last_census_year < la_returns.la_last_census_year
                then {{ census_year_end('episode_spans.last_census_year') }}
        end
    ) as closure_date,
    episode_spans.written_closure_date is null
    and episode_spans.last_census_year < la_returns.la_last_census_year
        as closure_date_is_inferred,
    episode_spans.written_closure_date,
    episode_spans.written_closure_reason_code as closure_reason_code,
    episode_spans.distinct_closure_dates > 1 as has_conflicting_closure_dates,
    episode_spans.has_closure_before_referral,
    latest_records.primary_need_code,
    latest_records.referral_source_code,
    latest_records.is_referral_nfa,
    episode_spans.initial_cpc_date,
    episode_spans.first_census_year,
    episode_spans.last_census_year,
    episode_spans.census_year_count,
    episode_spans.record_count,
    la_returns.la_last_census_year
from latest_records
inner join episode_spans on latest_records.episode_id = episode_spans.episode_id
inner join la_returns
    on
        latest_records.source_kind = la_returns.source_kind
        and latest_records.child_la_code = la_returns.child_la_code
