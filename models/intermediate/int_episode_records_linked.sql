-- One row per conformed episode-year record (int_records_conformed__episode_year), with the
-- child and the episode it was folded into, or the named reason it was not (row
-- conservation: nothing is dropped silently). The episode key is child + referral date
-- (BMJ Open 2019, "Data structure"): the same referral recurs in every census year it is
-- open (docs/cin_census.md §1), so its yearly records share the key.
--
-- Amended referral dates (BMJ Open 2019: "an LA that amends a referral date makes one
-- episode look like two"): the rule and its matches are int_referral_date_amendments; a
-- record of a first-reported key takes the amended date as its episode's referral date,
-- and says so (`is_referral_date_amended`); the record's own date stays referral_date.
-- The wide records flow through one pipeline (records_resolved -> records_keyed -> dated),
-- read by nothing else: a CTE read twice is materialised whole by DuckDB (17M wide rows at
-- national scale).
--
-- The child: the child key of int_child_keys_resolved (macro child_key: source, child's
-- LA, LAchildID), made here from the record's own natural key, not looked up among all
-- the child keys: only a key submitted under a split LA can have another child LA than
-- the record's la_code_current (int_child_keys_resolved, whose data test says so), so the
-- records join only those few keys (macro split_child_keys). A record with no LA or no
-- LAchildID has no child key (int_child_keys_resolved holds none), so no child.
-- Measured at national scale (16.5M records, 2 threads, two runs each): 64.6 CPU s against
-- 67.5 with a join to all 6.8M child keys on three text columns; writing the 27 columns is
-- most of the rest (about 44 CPU s, 18 of them the three keys, then md5 text, now UUIDs:
-- macros/episode_key.sql).
with split_child_keys as (
    {{ split_child_keys() }}
),

records_resolved as (
    select
        records.*,
        case
            when records.la_code is not null and records.la_child_id is not null
                then coalesce(split_child_keys.child_la_code, records.la_code_current)
        end as child_la_code
    from {{ ref('int_records_conformed__episode_year') }} as records
    left join split_child_keys
        on
            records.source_kind = split_child_keys.source_kind
            and records.la_code = split_child_keys.la_code
            and records.la_child_id = split_child_keys.la_child_id
),

records_keyed as (
    select
        records.*,
        case
            when records.la_code is not null and records.la_child_id is not null
                then {{ child_key(
                    'records.source_kind', 'records.child_la_code', 'records.la_child_id'
                ) }}
        end as child_id,
        {{ hashed_key(
            none, 'records.source_file', 'records.load_id', 'records.first_source_line_number',
            'records.child_pos', 'records.cin_details_pos'
        ) }} as episode_record_id,
        case
            when records.la_code is null then 'la_code_missing'
            when records.la_child_id is null then 'la_child_id_missing'
            when records.referral_date is null then 'referral_date_missing'
        end as exclusion_reason,
        -- a closure typed before its referral (docs/cin_census.md §3b) is no closure date:
        -- flagged here, ignored for the episode's closure
        coalesce(records.closure_date < records.referral_date, false)
            as is_closure_before_referral
    from records_resolved as records
),

dated as (
    select
        records_keyed.*,
        coalesce(amendments.amended_date, records_keyed.referral_date)
            as episode_referral_date,
        amendments.amended_date is not null as is_referral_date_amended
    from records_keyed
    left join {{ ref('int_referral_date_amendments') }} as amendments
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
