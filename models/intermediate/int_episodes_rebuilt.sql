-- One row per episode, the final shape behind marts.fct_episode: the folded episode
-- (int_episodes_folded) with the activity recorded on it, its overlap class and need spell
-- (below), and DfE's episode flags (DfE methodology 2016-17; docs/cin_census.md §7), the
-- same macros as fct_la_year (macros/la_year):
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
-- Overlap class and need spell. A child should have one open episode at a time; two
-- episodes overlap when the later referral falls before the earlier episode's closure
-- (DfE rule 8820: a closure equal to the next referral is not an overlap; an episode with
-- no closure, written or inferred, is open for ever).
-- BMJ Open 2019 ("Data quality"): overlaps come from missing closures and from
-- re-referrals of open cases recorded as new referrals. The class sits on the later
-- episode of an overlapping pair; its host is the earlier-starting episode of the child
-- that stays open longest (the one the later referral falls into):
--   * rereferral_of_open_case (BMJ Open 2019: "when children with open cases are
--     rereferred, some LAs submit this information as a new referral"): the LA itself
--     recorded an earlier case of the child as still open at the later referral (that
--     case's written closure is after it); or the host carries no written closure and
--     the later episode has neither an outcome nor any activity of its own and either
--     (XML) no assessment of its own, or (NPD, which records no assessments) the host's
--     primary need and referral source. A re-referral recorded inside an open case is a
--     near-copy of the case: its need and source, no work of its own, closed with the
--     case "for any other reason" (RC7) or never. Where either episode carries no
--     referral source (the NPD before 2013/14) the need alone is not enough;
--   * missing_closure: the host carries no written closure and the later episode shows a
--     referral of its own (an outcome other than RC7 on another date, an assessment, an
--     enquiry, a plan, a conference, NFA), or nothing says otherwise: the host's closure
--     was never recorded;
--   * unexplained: the LA recorded an earlier case as open at the later referral, yet the
--     later episode was closed on an outcome of its own on another date.
-- need_spell_id merges a child's overlapping episodes into one spell of need (gaps and
-- islands: a new spell starts at a referral on or after the latest closure so far).
-- One model, not two: the classification was once a table of its own
-- (int_episode_overlaps_classified, 11M rows x 36 columns at national scale, read by this
-- model alone), and writing it cost more than computing it.
with plans as (
    select
        episode_id,
        count(*) as cpp_count
    from {{ ref('int_cpp_spells') }}
    group by episode_id
),

enquiries as (
    select
        episode_id,
        count(*) as s47_count
    from {{ ref('int_s47_deduplicated') }}
    group by episode_id
),

assessments as (
    select
        episode_id,
        count(*) as assessment_count
    from {{ ref('int_assessments_deduplicated') }}
    group by episode_id
),

-- Each child's count of episodes: a child of one episode (4,057,594 of 6,764,322 children
-- at scale 1) has no earlier episode, so its window results below are known without a sort
-- (no host, spell 1: see `episodes`), and only the other children's episodes (7,110,655 of
-- 11,168,249) are sorted. Those results join the episodes by a left join (one join, built
-- on the 7.1M sorted rows), not a union of the two kinds of episode (two joins of all
-- 11.2M). Alone at scale 1 (2 threads, 3 GB, alternated, load 4-8): 94.6, 88.9, 94.7 ->
-- 82.3, 87.6, 81.7 CPU s (means 92.7 -> 83.9); the same table.
child_episode_counts as (
    select
        child_id,
        count(*) as episode_count
    from {{ ref('int_episodes_folded') }}
    group by child_id
),

-- the window sorts below carry every column of their input through the sort: on the
-- whole episode (36 columns) the two windows took half the profiled time at national
-- scale (117 of 236 operator-seconds), so they run on the ordering columns and the host's
-- own columns alone, and their result joins the episode once on episode_id
episode_spans as (
    select
        folded.episode_id,
        folded.child_id,
        folded.referral_date,
        folded.closure_date,
        folded.written_closure_date,
        folded.closure_date_is_inferred,
        folded.primary_need_code,
        folded.referral_source_code,
        {{ open_end('folded.closure_date') }} as span_end
    from {{ ref('int_episodes_folded') }} as folded
    -- `is not distinct from`: episodes without a child key are one window partition, as
    -- they are one group of the count
    inner join child_episode_counts
        on folded.child_id is not distinct from child_episode_counts.child_id
    where child_episode_counts.episode_count > 1
),

hosted as (
    select
        episode_id,
        child_id,
        referral_date,
        max(span_end) over earlier_episodes as host_span_end,
        -- the host's own columns ride along in the window (one struct, so every field
        -- comes from the same episode): joining the episodes back on the host's md5 key
        -- was the costliest step at national scale after the two window sorts
        max_by(
            {
                'episode_id': episode_id,
                'closure_date': closure_date,
                'written_closure_date': written_closure_date,
                'closure_date_is_inferred': closure_date_is_inferred,
                'primary_need_code': primary_need_code,
                'referral_source_code': referral_source_code
            },
            span_end
        ) over earlier_episodes as host_episode
    from episode_spans
    window earlier_episodes as (
        partition by child_id
        order by referral_date, episode_id
        rows between unbounded preceding and 1 preceding
    )
),

spells as (
    select
        episode_id,
        host_span_end,
        host_episode,
        -- a new spell starts where no earlier episode of the child is still open
        sum(coalesce(referral_date >= host_span_end, true)::integer) over (
            partition by child_id order by referral_date, episode_id
            rows between unbounded preceding and current row
        ) as spell_number
    from hosted
),

-- an earlier case of the child that the LA itself recorded as still open at the later
-- referral (its written closure after it), whichever case that is: the host above is the
-- case open longest, which may be another case whose closure went missing; where several,
-- the one closed on the later episode's own closure date (closed with it), else the latest.
-- Both sides read the folded episodes' few columns they need (a CTE read three times is
-- written whole to a temporary table first)
written_open_cases as (
    select
        later.episode_id,
        coalesce(
            max(earlier.written_closure_date) filter (
                where earlier.written_closure_date = later.written_closure_date
            ),
            max(earlier.written_closure_date)
        ) as open_case_written_closure_date
    from {{ ref('int_episodes_folded') }} as later
    inner join {{ ref('int_episodes_folded') }} as earlier
        on
            later.child_id = earlier.child_id
            and (
                later.referral_date > earlier.referral_date
                or (
                    later.referral_date = earlier.referral_date
                    and later.episode_id > earlier.episode_id
                )
            )
            and later.referral_date < earlier.written_closure_date
    group by later.episode_id
),

episodes as (
    select
        folded.*,
        -- an episode with no row in spells is its child's only one: no earlier episode,
        -- so no host (NULL, as over an empty window frame) and the child's first spell
        spells.host_span_end,
        spells.host_episode,
        coalesce(spells.spell_number, 1) as spell_number,
        coalesce(plans.cpp_count, 0) as cpp_count,
        -- the NPD has no s47 or assessment module: unknown, not zero
        case
            when folded.source_kind = 'xml' then coalesce(enquiries.s47_count, 0)
        end as s47_count,
        case
            when folded.source_kind = 'xml' then coalesce(assessments.assessment_count, 0)
        end as assessment_count
    from {{ ref('int_episodes_folded') }} as folded
    left join spells on folded.episode_id = spells.episode_id
    left join plans on folded.episode_id = plans.episode_id
    left join enquiries on folded.episode_id = enquiries.episode_id
    left join assessments on folded.episode_id = assessments.episode_id
),

with_host as (
    select
        episodes.*,
        written_open_cases.open_case_written_closure_date,
        episodes.host_episode['written_closure_date'] as host_written_closure_date,
        episodes.host_episode['closure_date_is_inferred'] as host_closure_date_is_inferred,
        episodes.host_span_end is not null
        and episodes.referral_date < episodes.host_span_end as is_overlapping,
        -- null without a host (a child's first episode): not "open"
        case
            when episodes.host_episode is not null
                then episodes.host_episode['closure_date'] is null
        end as is_host_open,
        -- a re-referral recorded inside an open case is near-identical to it: the case's
        -- primary need and referral source. Where either carries no source (the NPD has
        -- no ReferralSource before 2013/14, docs/cin_census.md §3b) the need alone is no
        -- evidence: a child's next real referral often has the same need (on the
        -- synthetic world at scale 0.1, also counting the need alone where the LA still
        -- returned the case open a census year later caught 310 more phantoms and
        -- flagged 356 more real referrals), so it stays a missing closure
        coalesce(
            episodes.primary_need_code = episodes.host_episode['primary_need_code']
            and episodes.referral_source_code = episodes.host_episode['referral_source_code'],
            false
        ) as has_host_details,
        -- closed on an outcome of its own: a written closure with a known reason other
        -- than RC7, on another date than the host's
        coalesce(
            episodes.written_closure_date is not null
            and coalesce(episodes.closure_reason_code, 'RC7') <> 'RC7'
            and episodes.written_closure_date is distinct from coalesce(
                written_open_cases.open_case_written_closure_date,
                episodes.host_episode['written_closure_date']
            ),
            false
        ) as has_own_outcome,
        -- work recorded on the referral itself: a re-referral recorded inside an open case
        -- carries none (the case's assessment, enquiry and plan sit on the case)
        coalesce(episodes.assessment_count, 0) > 0
        or coalesce(episodes.s47_count, 0) > 0
        or episodes.cpp_count > 0
        or episodes.initial_cpc_date is not null
        or coalesce(episodes.is_referral_nfa, false) as has_own_activity
    from episodes
    left join written_open_cases on episodes.episode_id = written_open_cases.episode_id
),

classified as (
    select
        * exclude (host_episode),
        case when is_overlapping then host_episode['episode_id'] end as overlap_host_episode_id,
        case
            when not is_overlapping then null
            when open_case_written_closure_date is not null and has_own_outcome
                then 'unexplained'
            when open_case_written_closure_date is not null then 'rereferral_of_open_case'
            when has_own_outcome or has_own_activity then 'missing_closure'
            when is_host_open and has_host_details
                then 'rereferral_of_open_case'
            -- the XML records every assessment: a referral with none is no referral of
            -- its own; the NPD records none, so there an absent host stays the answer
            when source_kind = 'xml' then 'rereferral_of_open_case'
            when has_host_details then 'rereferral_of_open_case'
            else 'missing_closure'
        end as overlap_kind
    from with_host
),

flagged as (
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
    from classified
),

rebuilt as (
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
        open_case_written_closure_date,
        is_host_open,
        overlap_host_episode_id,
        overlap_kind,
        {{ hashed_key('need_spell', key_text('child_id'), 'spell_number') }} as need_spell_id,
        cpp_count,
        s47_count,
        assessment_count,
        is_nfa as is_referral_nfa,
        {{ is_assessed_not_in_need('is_nfa', 'closure_reason_for_flags', 'has_protection') }}
            as is_assessed_not_in_need,
        {{ is_cin_episode('is_nfa', 'closure_reason_for_flags', 'has_protection') }}
            as is_cin_episode,
        source_kind = 'npd'
        and referral_date between date '2009-04-01' and date '2012-03-31' as is_in_npd_cpp_gap
    from flagged
)

-- The child's person (int_children_identified's linkage) is the one column the marts add to
-- an episode: it is joined here, so that marts.fct_episode is a view of this table, not an
-- 11.2M-row copy of it at national scale (BENCHMARKS.md, session 21).
select
    rebuilt.*,
    children.person_id
from rebuilt
left join {{ ref('int_children_identified') }} as children
    on rebuilt.child_id = children.child_id
