-- One row per conformed episode-year record (int_records_conformed__episode_year), with the
-- child and the episode it was folded into, or the named reason it was not (row
-- conservation: nothing is dropped silently). The episode key is child + referral date
-- (BMJ Open 2019, "Data structure"): the same referral recurs in every census year it is
-- open (docs/cin_census.md §1), so its yearly records share the key.
--
-- Amended referral dates (BMJ Open 2019: "an LA that amends a referral date makes one
-- episode look like two"). Rule, one place: a referral key A (child + date) is the same
-- episode as a referral key B of the same child when
--   * A appears in exactly one return (census year Y), carries no closure date there and
--     is not marked closed by 31 March (CINAt31March = 0): the 2008/09 NPD extract has no
--     closure field (docs/cin_census.md §3b), so there only CINAt31March tells that a
--     referral closed within the year (a referral closed the day it was made was
--     otherwise paired with the next referral of the child in 2009/10),
--   * A's and B's dates both fall in census year Y (an amendment keeps the year),
--   * B first appears in a later return although its date is on or before that year's
--     31 March, i.e. B "should" have been in return Y and A vanished when B appeared,
--   * the dates are at most 28 days apart (window: every amendment in the synthetic world
--     lies within 28 days; a wider window only adds false matches),
--   * A and B are each other's nearest candidate (one to one; ties to the earlier date).
-- The episode takes B's date (the latest return wins); A's date survives as
-- referral_date_as_first_reported, and each record says whether it carries the amended
-- date (`is_referral_date_amended`).
-- Cost (national scale, 17M records): the wide records are read and keyed once, in one
-- pipeline (records_keyed -> dated), never held whole: a CTE read twice is materialised by
-- DuckDB, and the earlier `keyed` CTE read by both the referral keys and the final select
-- spilled 17M wide rows to disk. The amendment rule reads only the narrow referral keys,
-- built from the few columns it needs (the child-key join is done twice, on narrow rows
-- once).
with child_keys as (
    select
        source_kind,
        la_code,
        la_child_id,
        child_id,
        child_la_code
    from {{ ref('int_child_keys_resolved') }}
),

referral_keys as (
    -- the records keyed below with no exclusion reason (LA, LAchildID and referral date
    -- present); every such record has its child key, resolved from the same records
    select
        child_keys.child_id,
        records.referral_date,
        min(records.census_year) as first_census_year,
        max(records.census_year) as last_census_year,
        -- a closure before its referral is no closure date (is_closure_before_referral)
        count(records.closure_date) filter (
            where not coalesce(records.closure_date < records.referral_date, false)
        ) as closure_records,
        coalesce(bool_or(not records.is_cin_at_31_march), false)
            as is_marked_closed_at_31_march
    from {{ ref('int_records_conformed__episode_year') }} as records
    inner join child_keys
        on
            records.source_kind = child_keys.source_kind
            and records.la_code = child_keys.la_code
            and records.la_child_id = child_keys.la_child_id
    where records.referral_date is not null
    group by child_keys.child_id, records.referral_date
),

amendment_candidates as (
    select
        first_reported.child_id,
        first_reported.referral_date as first_reported_date,
        amended.referral_date as amended_date,
        abs(datediff('day', first_reported.referral_date, amended.referral_date))
            as days_apart
    from referral_keys as first_reported
    inner join referral_keys as amended
        on
            first_reported.child_id = amended.child_id
            and first_reported.referral_date <> amended.referral_date
            and first_reported.last_census_year < amended.first_census_year
            and abs(datediff('day', first_reported.referral_date, amended.referral_date)) <= 28
    where
        first_reported.first_census_year = first_reported.last_census_year
        and first_reported.closure_records = 0
        and not first_reported.is_marked_closed_at_31_march
        and {{ census_year_of('first_reported.referral_date') }}
        = first_reported.last_census_year
        and {{ census_year_of('amended.referral_date') }} = first_reported.last_census_year
),

amendments as (
    select
        child_id,
        first_reported_date,
        amended_date
    from amendment_candidates
    qualify
        row_number() over (
            partition by child_id, first_reported_date order by days_apart, amended_date
        ) = 1
        and row_number() over (
            partition by child_id, amended_date order by days_apart, first_reported_date
        ) = 1
),

records_keyed as (
    select
        records.*,
        child_keys.child_id,
        child_keys.child_la_code,
        md5(concat_ws(
            '|', records.source_file, records.load_id, records.first_source_line_number,
            records.child_pos, records.cin_details_pos
        )) as episode_record_id,
        case
            when records.la_code is null then 'la_code_missing'
            when records.la_child_id is null then 'la_child_id_missing'
            when records.referral_date is null then 'referral_date_missing'
        end as exclusion_reason,
        -- a closure typed before its referral (docs/cin_census.md §3b) is no closure date:
        -- flagged here, ignored for the episode's closure
        coalesce(records.closure_date < records.referral_date, false)
            as is_closure_before_referral
    from {{ ref('int_records_conformed__episode_year') }} as records
    left join child_keys
        on
            records.source_kind = child_keys.source_kind
            and records.la_code = child_keys.la_code
            and records.la_child_id = child_keys.la_child_id
),

dated as (
    select
        records_keyed.*,
        coalesce(amendments.amended_date, records_keyed.referral_date)
            as episode_referral_date,
        amendments.amended_date is not null as is_referral_date_amended
    from records_keyed
    left join amendments
        on
            records_keyed.child_id = amendments.child_id
            and records_keyed.referral_date = amendments.first_reported_date
)

select
    dated.episode_record_id,
    dated.source_kind,
    dated.census_year,
    dated.la_code,
    dated.la_code_current,
    dated.child_la_code,
    dated.la_child_id,
    dated.referral_date,
    dated.child_id,
    case
        when dated.exclusion_reason is null
            then {{ episode_key('dated.child_id', 'dated.episode_referral_date') }}
    end as episode_id,
    dated.episode_referral_date,
    dated.is_referral_date_amended,
    dated.exclusion_reason,
    dated.referral_source_code,
    dated.primary_need_code,
    dated.closure_date,
    dated.is_closure_before_referral,
    dated.closure_reason_code,
    dated.is_referral_nfa,
    dated.initial_cpc_date,
    dated.is_cin_at_31_march,
    dated.source_file,
    dated.load_id,
    dated.child_pos,
    dated.cin_details_pos,
    dated.first_source_line_number,
    dated.record_count
from dated
