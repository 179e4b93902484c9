-- One row per episode, the final shape behind marts.fct_episode: the folded episode
-- (int_episodes_folded) with its overlap class, need spell and the activity recorded on it
-- (int_episode_overlaps_classified), and DfE's episode flags (DfE methodology 2016-17;
-- docs/cin_census.md §7), the same macros as fct_la_year (macros/la_year):
--   * is_referral_nfa: ReferralNFA true in the latest return; excluded from every other
--     population;
--   * is_assessed_not_in_need: not NFA, closed with RC8 (or RC9, closed after assessment
--     and referred to early help, from 2022/23) and no section 47 enquiry, initial
--     conference or child protection plan recorded: "only an assessment";
--   * is_cin_episode: a referral that is neither of the two.
-- An inferred closure placed on the authorisation of an assessment that found no factors
-- (closure_inference_rule 'assessment_no_factors', int_episodes_folded) reads as closed
-- after assessment (RC8 and RC9 alike for every flag): no reason code is written, the
-- rule that infers it lives in int_episodes_folded, and closure_reason_code stays NULL.
-- These read the whole rebuilt history (hindsight basis), not one year's return.
-- NPD gap (docs/cin_census.md §3b): referrals of 1 April 2009 - 31 March 2012 carry no plan
-- fields in the NPD, so a plan that ended before 2012/13 is invisible:
-- `is_in_npd_cpp_gap` flags those episodes.
with episodes as (
    select
        *,
        coalesce(is_referral_nfa, false) as is_nfa,
        case
            when closure_inference_rule = 'assessment_no_factors' then 'RC8'
            else closure_reason_code
        end as closure_reason_for_flags,
        -- protection recorded: a section 47 enquiry, an initial conference or a plan
        coalesce(s47_count, 0) > 0 or cpp_count > 0 or initial_cpc_date is not null
            as has_protection
    from {{ ref('int_episode_overlaps_classified') }}
)

select
    episode_id,
    child_id,
    source_kind,
    la_code,
    la_code_current,
    la_child_id,
    referral_date,
    referral_date_as_first_reported,
    is_referral_date_amended,
    closure_date,
    closure_date_is_inferred,
    closure_inference_rule,
    written_closure_date,
    closure_reason_code,
    has_conflicting_closure_dates,
    has_closure_before_referral,
    primary_need_code,
    referral_source_code,
    initial_cpc_date,
    first_census_year,
    last_census_year,
    census_year_count,
    record_count,
    la_last_census_year,
    is_overlapping,
    host_written_closure_date,
    host_closure_date_is_inferred,
    is_host_open,
    overlap_host_episode_id,
    overlap_kind,
    need_spell_id,
    cpp_count,
    s47_count,
    assessment_count,
    is_nfa as is_referral_nfa,
    {{ is_assessed_not_in_need('is_nfa', 'closure_reason_for_flags', 'has_protection') }}
        as is_assessed_not_in_need,
    {{ is_cin_episode('is_nfa', 'closure_reason_for_flags', 'has_protection') }} as is_cin_episode,
    source_kind = 'npd'
    and referral_date between date '2009-04-01' and date '2012-03-31' as is_in_npd_cpp_gap
from episodes
