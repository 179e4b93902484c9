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
-- Inferred closure, one place. WHETHER: an episode with no closure date that stops
-- appearing in the returns of its LA while that LA submitted a later return is closed
-- (each return holds every case open at any point in the year, DfE methodology 2016-17
-- §2, so a case absent from the next return closed no later than the start of that
-- year); an episode still in the LA's latest return stays open (closure NULL).
-- WHEN (`closure_inference_rule`), the first that applies:
--   * 'assessment_no_factors': its latest assessment was authorised with factor code 21
--     alone ("no factors identified", the code the CIN census asks for when an
--     assessment finds none, docs/cin_census.md §4) and nothing else was recorded on it
--     (no section 47 enquiry, initial conference, child protection plan or CIN plan):
--     the case was closed after that assessment (DfE reason RC8, or RC9 from 2022/23,
--     "case closed after assessment"), so its closure is placed on the assessment's
--     authorisation date, and int_episodes_rebuilt reads it as closed after assessment
--     (assessed not in need, DfE methodology 2016-17 table B1 b). The 31 March rule
--     below places such a closure in a later census year whenever the LA kept returning
--     the case after the assessment (BMJ Open 2019, "Data quality": closures go missing
--     and cases linger), and, with no reason code, counts the episode as a CIN episode.
--     Measured on the quirky test world (seed 7, five LAs, scale 0.05), XML: 133
--     closures placed by this rule, every one truly closed after assessment, 132 in the
--     true census year (109 under the 31 March rule);
--   * 'last_return': otherwise, 31 March of the last census year it appeared in.
-- `closure_date_is_inferred` and `closure_inference_rule` say so: to undo the inference,
-- take written_closure_date; to undo only the assessment rule, take 31 March of
-- last_census_year. The NPD carries no assessments, so there the rule is 'last_return'.
-- Cost (national scale, 17M records, 11M episodes): a narrow count per episode first
-- (episode_sizes); an episode of one record (7.9M of 11.2M at scale 1) is that record
-- (single_record_episodes), and only the others' records (8.6M in 3.3M episodes) are
-- grouped (episode_spans); then every join is one row per episode. A CTE read twice is
-- `not materialized` (DuckDB would write it whole first), but for episode_sizes, three
-- readers of one narrow row per episode (its key and count), written once. The grouping
-- is one hash aggregate, kept narrow so that it fits a small memory limit (DuckDB 1.5 at
-- 2 GB, one thread): only fixed-size states (no count(distinct), each a hash table of its
-- own; no struct or text carried per group); the latest record's fields are read back by
-- one join. Measured at scale 1 (2 threads, 3 GB, runs alternated): grouping every record
-- took 81.4 and 83.3 CPU s; with one-record episodes apart, 72.2 and 64.1.
{#- A closure the record writes: dated, and not typed before its referral (such a date is
    ignored, flagged by has_closure_before_referral); the one rule for both paths below,
    the episodes of several records (episode_spans) and of one (single_record_episodes) -#}
{% set is_written_closure = 'closure_date is not null and not is_closure_before_referral' %}
with load_order as (
    -- each load's place in load_id order, from the landing's manifest (one row per landed
    -- file), for record_order below; a record finds its load by the 64-bit hash of its id
    -- (load_hash, macros/episode_key.sql).
    -- Measured at national scale (17M records, 2 threads): with the earlier form, an inner
    -- join on the 32-character ids (`is not distinct from`) to the distinct loads of the
    -- records themselves, this model took 70-79 CPU s; with this one, 55-64. Two loads
    -- sharing a hash would give a record two places: that stops the build, never a
    -- record counted twice.
    select
        {{ load_hash('load_id') }} as load_hash,
        case
            when count(*) over (partition by {{ load_hash('load_id') }}) = 1
                then row_number() over (order by load_id)
            else cast(error(
                'int_episodes_folded: loads in raw._loads share a 64-bit hash: ' || load_id
            ) as bigint)
        end as load_rank
    from {{ source('landing', '_loads') }}
),

ranked_records as not materialized (
    -- a NULL load has no rank (record_order places it last, as a row value places NULL);
    -- a load not in the manifest stops the build (never a record dropped nor ordered by a
    -- guess)
    select
        records.*,
        case
            when records.load_id is null then null
            when load_order.load_rank is not null then load_order.load_rank
            else cast(error(
                'int_episodes_folded: load ' || records.load_id || ' of record '
                || records.episode_record_id || ' is not in raw._loads'
            ) as bigint)
        end as load_rank
    from {{ ref('int_episode_records_linked') }} as records
    left join load_order on {{ load_hash('records.load_id') }} = load_order.load_hash
    where records.episode_id is not null
),

linked as not materialized (
    -- read twice, by episode_sizes and multi_records, computed in each (a join to the few
    -- loads and arithmetic), not materialised whole
    select
        records.*,
        -- the order in which the records of an episode were returned ("the latest
        -- record"): return_order_fields (macros/episode_key.sql: census year, line, load,
        -- Child, CINdetails; no module position at this level), a total order, so the same
        -- record wins in every build where records of one year share a line (an XML return
        -- written on few lines), packed into one 128-bit number: as a row value, each
        -- arg_max state holds a variable-size key, and the aggregate ran out of 3 GB at
        -- national scale. The NPD's positions are NULL for every record of its episodes.
        {{ return_order_packed(
            'first_source_line_number',
            "'int_episodes_folded: record ' || records.episode_record_id",
            'records'
        ) }} as record_order
    from ranked_records as records
),

-- The records of each episode, counted; every record's load and return order are checked
-- here (record_order is read, so its guards fire on every record, one-record episodes
-- included).
episode_sizes as (
    select
        episode_id,
        count(record_order) as record_count
    from linked
    group by episode_id
),

multi_records as (
    select linked.*
    from linked
    inner join episode_sizes
        on linked.episode_id = episode_sizes.episode_id
    where episode_sizes.record_count > 1
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
    -- read from the model, not the `linked` CTE: a CTE read twice is materialised whole
    from {{ ref('int_episode_records_linked') }} as linked
    left join areas on linked.child_la_code = areas.la_code
    where linked.episode_id is not null
    group by linked.source_kind, linked.child_la_code, areas.harmonised_area_code
),

-- Episodes of more than one record, grouped.
episode_spans as (
    select
        episode_id,
        min(census_year) as first_census_year,
        max(census_year) as last_census_year,
        -- count(distinct census_year) as one bit per year (a 64-bit set): an episode's
        -- years lie within one childhood, far under 64 apart; were they not, the count
        -- is NULL (never a wrong count), which the not_null test on it reports
        case
            when max(census_year) - min(census_year) < 64
                then cast(bit_count(bit_or(cast(1 as ubigint) << (census_year % 64))) as bigint)
        end as census_year_count,
        bool_or(is_referral_date_amended) as is_referral_date_amended,
        bool_or(is_closure_before_referral) as has_closure_before_referral,
        arg_min(referral_date, record_order) as referral_date_as_first_reported,
        arg_max(initial_cpc_date, record_order)
        filter (where initial_cpc_date is not null) as initial_cpc_date,
        arg_max(closure_date, record_order)
        filter (where {{ is_written_closure }}) as written_closure_date,
        arg_max(closure_reason_code, record_order)
        filter (where {{ is_written_closure }}) as written_closure_reason_code,
        -- more than one distinct closure date <=> the least differs from the greatest
        min(closure_date) filter (where {{ is_written_closure }}) as least_closure_date,
        max(closure_date) filter (where {{ is_written_closure }}) as greatest_closure_date,
        -- the latest record (record_order): only a 64-bit hash of
        -- its key; its mutable fields are read back in latest_records (the fields of one
        -- record), not carried through this aggregate nor by a window sorting every wide
        -- record per episode
        arg_max(hash(episode_record_id), record_order) as latest_record_hash
    from multi_records
    group by episode_id
),

-- Activity recorded on each episode beyond its assessments: section 47 enquiries, child
-- protection plans, CIN plans (the initial conference is episode_spans.initial_cpc_date
-- or an enquiry's).
-- The CIN plans' episodes: the plans joined to the records they sit under, not to the
-- distinct keys of all 17M records (a hash table of them all, beside the span aggregate);
-- repeats go in the union below.
cin_plan_episodes as (
    select records.episode_id
    from {{ ref('int_records_conformed__cin_plan') }} as cin_plans
    inner join {{ ref('int_episode_records_linked') }} as records
        on {{ same_episode_record('cin_plans', 'records') }}
    where records.episode_id is not null
),

episodes_with_more_than_assessment as (
    select episode_id from {{ ref('int_s47_deduplicated') }}
    union
    select episode_id from {{ ref('int_cpp_records_linked') }}
    where episode_id is not null
    union
    select episode_id from cin_plan_episodes
),

-- Each episode's latest assessment (the last started; XML only) when it was authorised
-- having found no factors (code 21 alone).
assessments_no_factors as (
    select
        episode_id,
        authorisation_date
    from {{ ref('int_assessments_deduplicated') }}
    qualify
        row_number() over (
            partition by episode_id
            order by start_date desc nulls last, authorisation_date desc nulls last
        ) = 1
        and factor_codes = '21'
        and authorisation_date is not null
),

-- Each episode's latest record's fields, read back by the hash of its key within the
-- episode (two records of one episode sharing a 64-bit hash would give two rows, which
-- the unique test on episode_id reports; never a wrong record); from the model, not the
-- `linked` CTE: a CTE read twice is materialised whole.
latest_records as (
    select
        episode_spans.* exclude (episode_spans.latest_record_hash),
        episode_sizes.record_count,
        latest.child_id,
        latest.source_kind,
        latest.la_code,
        latest.child_la_code,
        latest.la_child_id,
        latest.episode_referral_date,
        latest.primary_need_code,
        latest.referral_source_code,
        latest.is_referral_nfa
    from episode_spans
    inner join episode_sizes on episode_spans.episode_id = episode_sizes.episode_id
    inner join {{ ref('int_episode_records_linked') }} as latest
        on
            episode_spans.episode_id = latest.episode_id
            and episode_spans.latest_record_hash = hash(latest.episode_record_id)
),

-- The episodes of one record, each that record (with the episode's count of records, 1,
-- beside the record's own record_count of conformed rows).
single_records as (
    select
        records.*,
        episode_sizes.record_count as episode_record_count
    from {{ ref('int_episode_records_linked') }} as records
    inner join episode_sizes on records.episode_id = episode_sizes.episode_id
    where episode_sizes.record_count = 1
),

-- An episode of one record: that record is its latest and first, and each aggregate of
-- episode_spans over one record is its own field (a year set of one year counts 1; a
-- filtered arg_max is the field where the filter holds).
single_record_episodes as (
    select
        episode_id,
        census_year as first_census_year,
        census_year as last_census_year,
        case when census_year is not null then 1 end as census_year_count,
        is_referral_date_amended,
        is_closure_before_referral as has_closure_before_referral,
        referral_date as referral_date_as_first_reported,
        initial_cpc_date,
        case when {{ is_written_closure }} then closure_date end as written_closure_date,
        case
            when {{ is_written_closure }} then closure_reason_code
        end as written_closure_reason_code,
        case when {{ is_written_closure }} then closure_date end as least_closure_date,
        case when {{ is_written_closure }} then closure_date end as greatest_closure_date,
        episode_record_count as record_count,
        child_id,
        source_kind,
        la_code,
        child_la_code,
        la_child_id,
        episode_referral_date,
        primary_need_code,
        referral_source_code,
        is_referral_nfa
    from single_records
),

folded_episodes as (
    -- by name: the two parts list the same columns, each in its own order
    select * from latest_records
    union all by name
    select * from single_record_episodes
),

-- One row per episode (every join one to one): its span, its latest record's fields, its
-- LA's last return, and what the closure rule reads
episodes as (
    select
        folded_episodes.*,
        la_returns.la_last_census_year,
        assessments_no_factors.authorisation_date as no_factors_authorisation_date,
        more.episode_id is not null as has_more_than_assessment
    from folded_episodes
    inner join la_returns
        on
            folded_episodes.source_kind = la_returns.source_kind
            and folded_episodes.child_la_code = la_returns.child_la_code
    left join assessments_no_factors
        on folded_episodes.episode_id = assessments_no_factors.episode_id
    left join episodes_with_more_than_assessment as more
        on folded_episodes.episode_id = more.episode_id
),

-- Whether and how each episode's closure is inferred (the rule at the top).
inference as (
    select
        *,
        case
            when
                written_closure_date is not null
                or last_census_year >= la_last_census_year
                then null
            when
                no_factors_authorisation_date >= episode_referral_date
                and not coalesce(is_referral_nfa, false)
                and initial_cpc_date is null
                and not has_more_than_assessment
                then 'assessment_no_factors'
            else 'last_return'
        end as closure_inference_rule
    from episodes
)

select
    episode_id,
    child_id,
    source_kind,
    la_code,
    child_la_code as la_code_current,
    la_child_id,
    episode_referral_date as referral_date,
    referral_date_as_first_reported,
    is_referral_date_amended,
    coalesce(
        written_closure_date,
        case
            when closure_inference_rule = 'assessment_no_factors'
                then no_factors_authorisation_date
            when closure_inference_rule = 'last_return'
                then {{ census_year_end('last_census_year') }}
        end
    ) as closure_date,
    closure_inference_rule is not null as closure_date_is_inferred,
    closure_inference_rule,
    written_closure_date,
    written_closure_reason_code as closure_reason_code,
    coalesce(least_closure_date <> greatest_closure_date, false)
        as has_conflicting_closure_dates,
    has_closure_before_referral,
    primary_need_code,
    referral_source_code,
    is_referral_nfa,
    initial_cpc_date,
    first_census_year,
    last_census_year,
    census_year_count,
    record_count,
    la_last_census_year
from inference
