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
-- The wide records flow through one pipeline (records_keyed -> dated), read by nothing
-- else: a CTE read twice is materialised whole by DuckDB (17M wide rows at national scale).
with child_keys as (
    select
        source_kind,
        la_code,
        la_child_id,
        child_id,
        child_la_code
    from {{ ref('int_child_keys_resolved') }}
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
