-- The episode fact analysts query: one row per episode of need (a referral), rebuilt
-- across census years (int_episodes_rebuilt holds every rule, and the child's person). A
-- re-referral of an open case stays here with its overlap_kind: nothing is silently dropped.
-- A view: as a table it copied int_episodes_rebuilt's 11.2M rows at national scale (31 CPU s
-- alone, its join to the children included; BENCHMARKS.md, session 21); the view reads that
-- table's columns. It holds no constraint, so the not_null test checks episode_id (the
-- contract still checks each column's name and type).
{{ config(materialized='view') }}
-- the columns in the contract's order (_core__models.yml), is_open among them, as the table had
select  -- noqa: ST06
    episodes.episode_id,
    episodes.child_id,
    episodes.person_id,
    episodes.source_kind,
    episodes.la_code,
    episodes.la_code_current,
    episodes.la_child_id,
    episodes.referral_date,
    episodes.referral_date_as_first_reported,
    episodes.is_referral_date_amended,
    episodes.closure_date,
    episodes.closure_date_is_inferred,
    episodes.closure_inference_rule,
    episodes.written_closure_date,
    episodes.closure_reason_code,
    episodes.has_conflicting_closure_dates,
    episodes.has_closure_before_referral,
    episodes.closure_date is null as is_open,
    episodes.primary_need_code,
    episodes.referral_source_code,
    episodes.is_referral_nfa,
    episodes.is_assessed_not_in_need,
    episodes.is_cin_episode,
    episodes.overlap_kind,
    episodes.overlap_host_episode_id,
    episodes.need_spell_id,
    episodes.initial_cpc_date,
    episodes.assessment_count,
    episodes.s47_count,
    episodes.cpp_count,
    episodes.is_in_npd_cpp_gap,
    episodes.first_census_year,
    episodes.last_census_year,
    episodes.census_year_count
from {{ ref('int_episodes_rebuilt') }} as episodes
