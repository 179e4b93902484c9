-- One row per amended referral key: the first-reported referral date of a child and the
-- date a later return amended it to (int_episode_records_linked folds the two into one
-- episode dated by the amendment).
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
--
-- A table of its own, not a CTE of int_episode_records_linked: DuckDB estimates the
-- self-join below at billions of rows (45.9 billion for the 52,499 amendments of the
-- national-scale world), so as a CTE the join of the amendments to every record hashed
-- the 17M wide records instead of the few amendments; as a table its true size is known.
with split_child_keys as (
    {{ split_child_keys() }}
),

referral_keys as (
    -- the records int_episode_records_linked keys with no exclusion reason (LA, LAchildID
    -- and referral date present), each under its child key. The child is its natural key
    -- (source, child's LA, LAchildID: short strings), not the child_id hashed from it:
    -- grouping and joining on it costs less, and the md5 is made only for the amendments
    -- found.
    select
        records.source_kind,
        records.la_child_id,
        records.referral_date,
        coalesce(split_child_keys.child_la_code, records.la_code_current) as child_la_code,
        min(records.census_year) as first_census_year,
        max(records.census_year) as last_census_year,
        -- a closure before its referral is no closure date (is_closure_before_referral)
        count(records.closure_date) filter (
            where not coalesce(records.closure_date < records.referral_date, false)
        ) as closure_records,
        coalesce(bool_or(not records.is_cin_at_31_march), false)
            as is_marked_closed_at_31_march
    from {{ ref('int_records_conformed__episode_year') }} as records
    left join split_child_keys
        on
            records.source_kind = split_child_keys.source_kind
            and records.la_code = split_child_keys.la_code
            and records.la_child_id = split_child_keys.la_child_id
    where
        records.referral_date is not null
        and records.la_code is not null
        and records.la_child_id is not null
    group by all
),

amendment_candidates as (
    select
        first_reported.source_kind,
        first_reported.child_la_code,
        first_reported.la_child_id,
        first_reported.referral_date as first_reported_date,
        amended.referral_date as amended_date,
        abs(datediff('day', first_reported.referral_date, amended.referral_date))
            as days_apart
    from referral_keys as first_reported
    inner join referral_keys as amended
        on
            {{ same_child('first_reported', 'amended') }}
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
        -- implied by the line above and the join's `last_census_year < first_census_year`
        -- (a key first returned after its date's year), but on the amended side alone, so
        -- DuckDB filters that side before the join instead of joining every key: the same
        -- rows, at scale 1 alone 9.0-9.4 -> 7.9-8.0 CPU s (2 threads, alternated)
        and {{ census_year_of('amended.referral_date') }} < amended.first_census_year
)

select
    {{ child_key('source_kind', 'child_la_code', 'la_child_id') }} as child_id,
    first_reported_date,
    amended_date
from amendment_candidates
qualify
    row_number() over (
        partition by source_kind, child_la_code, la_child_id, first_reported_date
        order by days_apart, amended_date
    ) = 1
    and row_number() over (
        partition by source_kind, child_la_code, la_child_id, amended_date
        order by days_apart, first_reported_date
    ) = 1
