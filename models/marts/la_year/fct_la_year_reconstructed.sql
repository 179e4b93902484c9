-- DfE's official measures per source, LA and census year on the RECONSTRUCTED basis: the
-- same measures and names as fct_la_year, counted with the same macros
-- (macros/la_year/official_measures.sql), but from the episodes and plans rebuilt across
-- every return (marts.fct_episode, fct_cpp, fct_assessment, fct_s47) instead of each
-- year's return as delivered. What differs from fct_la_year, and why:
-- * amended referral dates are reconciled (the latest return's date, fct_episode);
-- * closures come with hindsight: a closure written in a later return is known, so a case
--   referred in March and closed "after assessment" (RC8/RC9) in May is assessed not in
--   need in its referral year (fct_episode.is_assessed_not_in_need reads the whole
--   history), and a case that dropped out of the returns without a closure date is
--   closed by inference (closure_date_is_inferred; int_episodes_folded: on the
--   authorisation of a last assessment that found no factors, nothing else done, then
--   assessed not in need; else on 31 March of the last year it appeared in);
-- * an episode whose closure is inferred ENDS in the census year of its inferred date
--   (episodes_ending counts it there, like a written closure). The choice and why: left
--   out, every such ending is missed (the official basis's error, one per episode);
--   counted, it is right when the inferred date falls in the true closure's year and
--   wrong in two years when not, so counting pays while over half land in the right
--   year. Measured on the quirky test world (seed 7, five LAs, scale 0.05), XML: 142
--   against the hindsight truth counted, 321 left out (official basis: 254).
-- * phantom re-referrals (overlap_kind 'rereferral_of_open_case': a new referral recorded
--   for a case the LA still had open, BMJ Open 2019) are not referrals or episodes;
-- * re-referrals compare each referral with the child's previous referral in any return
--   (the hindsight reading of DfE methodology 2016-17 "referrals within 12 months");
-- * plans are the rebuilt plans (end dates inferred the same way, fct_cpp).
-- Each census year still reads a closure or plan end after its 31 March as "not yet
-- closed", as the official macros expect (closure_date below): hindsight decides which
-- cases are episodes, not whether they were open at 31 March.
-- Rows: exactly fct_la_year's (same keys); a measure is NULL where fct_la_year's is (no
-- return that year, or a source or year that cannot carry it): a year without a return
-- is known only in part from later returns, so it is not estimated here.
{%- set official_columns = la_year_measure_columns() %}
{%- set la_year_measures = la_year_measure_specs() %}
with census_years as (
    select * from {{ ref('ref_census_years') }}
),

official as (
    select * from {{ ref('fct_la_year') }}
),

-- The LA code an episode reports under in each census year: the code of its record in
-- that year's return; in a year without a record, the code of its latest earlier record
-- (before its first record: the first record's code). A reorganised LA's case carries
-- the predecessor's code until the successor returns it (no guess between successors).
-- Most episodes are returned under one code only: theirs is one span over every year
-- (found with one aggregate); the spans year by year (a window) are built only for the
-- few returned under two codes. At national scale the aggregate and window year by year
-- over every record were a seventh of this model's time. The episode years
-- (macros/la_year/episode_open_years.sql) join only those spans (about 50k at scale 1) and
-- take the one code of the others from the episode itself (fct_episode.la_code, its
-- latest record's), not a join of the 11M episodes with 11M spans: at scale 1
-- fct_la_year_reconstructed alone 64.8 -> 52.5 CPU s (one run each, load 9). The
-- assessments, enquiries and conferences take their episode's code the same way
-- (macros/la_year/events_in_year.sql, activities_in_census_year).
episodes_with_two_codes as (
    select records.episode_id
    from {{ ref('int_episode_records_linked') }} as records
    -- Only an episode of two records or more can have two codes, or one whose record has
    -- none: the aggregate groups their records alone (8.6M records in 3.3M episodes at
    -- scale 1), not every record (16.5M in 11.2M episodes, a fifth of this model's
    -- operator time). At scale 1 the model alone 38.6 -> 35.1 CPU s (means of 6 and 4
    -- runs, alternated, load 2-6; single runs vary by 10%).
    inner join {{ ref('int_episodes_rebuilt') }} as episodes
        on
            records.episode_id = episodes.episode_id
            and (episodes.record_count > 1 or episodes.la_code is null)
    group by records.episode_id
    -- two codes, unless every record has a code and it is the same (a record without a
    -- code makes its year's code NULL, so such an episode takes the spans year by year)
    having not coalesce(
        min(records.la_code) = max(records.la_code)
        and count(records.la_code) = count(*),
        false
    )
),

episode_record_years as (
    select
        records.episode_id,
        records.census_year,
        -- one code per return; two records of one year under two codes (a damaged
        -- return) take the greater, a deterministic pick
        max(records.la_code) as la_code
    from {{ ref('int_episode_records_linked') }} as records
    inner join episodes_with_two_codes as two_codes
        on records.episode_id = two_codes.episode_id
    group by records.episode_id, records.census_year
),

episode_two_code_spans as (
    select
        episode_id,
        la_code,
        case
            when census_year = min(census_year) over (partition by episode_id) then 0
            else census_year
        end as from_census_year,
        coalesce(
            lead(census_year) over (partition by episode_id order by census_year) - 1, 9999
        ) as to_census_year
    from episode_record_years
),

-- Each rebuilt episode that is a referral, with the child's previous referral (any
-- return); phantom re-referrals are not referrals, so they are neither counted nor
-- previous referrals: left out before the window (the plans read their episodes from
-- fct_episode, plan_episodes below). The window then sorts only the referrals: at scale
-- 1 fct_la_year_reconstructed alone 52.5 -> 44.1 CPU s (one run, then a mean of 2).
episodes as (
    select
        episode_id,
        child_id,
        source_kind,
        la_code,
        referral_date,
        closure_date,
        is_referral_nfa,
        is_assessed_not_in_need,
        is_cin_episode,
        lag(referral_date) over (
            partition by child_id
            order by referral_date, episode_id
        ) as previous_referral_date
    from {{ ref('fct_episode') }}
    where not coalesce(overlap_kind = 'rereferral_of_open_case', false)
),

-- Each rebuilt episode in each census year in which it was open (referred by 31 March,
-- not closed before 1 April), under that year's LA code: the rule in
-- macros/la_year/episode_open_years.sql.
census_year_bounds as (
    select
        min(census_year) as first_census_year,
        max(census_year) as last_census_year
    from census_years
),

episode_years as (
    {{ episode_open_years('episodes', [
        'episode_id', 'child_id', 'source_kind', 'referral_date', 'closure_date',
        'is_referral_nfa', 'is_assessed_not_in_need', 'is_cin_episode',
        'previous_referral_date'
    ]) }}
),

-- The referrals: the episode years of the episodes above, which carry each episode's
-- previous referral, rather than joined back onto them (at national scale that join of
-- 11M episodes was a ninth of this model's time).
referrals as (
    select
        source_kind,
        census_year,
        year_la_code as la_code,
        child_id,
        referral_date,
        previous_referral_date,
        -- a closure after 31 March is not yet a closure in that year (see the top)
        case
            when closure_date <= period_end then closure_date
        end as closure_date,
        is_referral_nfa,
        is_assessed_not_in_need,
        is_cin_episode,
        period_start,
        period_end,
        {{ in_census_period('referral_date') }} as is_referred_in_year
    from episode_years
),

-- One row per child and LA-year first, then the LA-year's counts: the children counted
-- once each without count(distinct) (macros/la_year/official_measures.sql). The
-- re-referrals (the year's referrals within 12 months of the previous one) are counted in
-- the same aggregate, so that the 17M referral rows are read once: read twice, DuckDB
-- wrote them to a temporary table first, and at national scale writing and reading it was
-- a fifth of this model's time.
referral_children as (
    select
        source_kind,
        census_year,
        la_code,
        child_id,
        {{ referral_child_counts() }},
        {{ rereferral_count(condition='is_referred_in_year') }}
    from referrals
    group by source_kind, census_year, la_code, child_id
),

referral_measures as (
    select
        source_kind,
        census_year,
        la_code,
        {{ referral_measure_counts('child_id') }},
        cast(sum(rereferrals_12m) as bigint) as rereferrals_12m
    from referral_children
    group by source_kind, census_year, la_code
),

rereferral_measures as (
    select
        source_kind,
        census_year,
        la_code,
        rereferrals_12m
    from referral_measures
),

assessment_measures as (
    select
        source_kind,
        census_year,
        year_la_code as la_code,
        {{ assessment_measure_counts('duration_working_days') }}
    from ({{ activities_in_census_year(ref('fct_assessment'), 'authorisation_date') }})
        as assessments
    group by source_kind, census_year, year_la_code
),

enquiries_in_year as (
    {{ events_in_census_year(ref('fct_s47'), 'start_date') }}
),

enquiry_measures as (
    select
        source_kind,
        census_year,
        la_code,
        {{ event_measure_counts('s47_enquiries', 'children_s47', 'child_id') }}
    from enquiries_in_year
    group by source_kind, census_year, la_code
),

-- Conferences from the s47 module and from CINdetails (transfer-ins), as fct_la_year
-- takes them (the XML only; macros/la_year/events_in_year.sql).
conference_dates as (
    {{ initial_conference_dates(
        ref('fct_s47'),
        ref('fct_episode'),
        ['source_kind', 'episode_id', 'child_id', 'la_code', 'initial_cpc_date']
    ) }}
),

conferences_in_year as (
    {{ events_in_census_year('conference_dates', 'initial_cpc_date') }}
),

conference_measures as (
    select
        source_kind,
        census_year,
        la_code,
        {{ event_measure_counts('icpcs', 'children_icpc', 'child_id') }}
    from conferences_in_year
    group by source_kind, census_year, la_code
),

-- The episodes with a plan in each census year in which they were open, counted out apart
-- from the referrals' episode years: read by both, the 16.8M episode years were written to
-- a temporary table first, at national scale a fifth of this model's time.
plan_episodes as (
    select
        episode_id,
        la_code,
        referral_date,
        closure_date
    from {{ ref('fct_episode') }}
    where episode_id in (select plan_spells.episode_id from {{ ref('fct_cpp') }} as plan_spells)
),

plan_episode_years as (
    {{ episode_open_years('plan_episodes', ['episode_id']) }}
),

-- Each rebuilt plan in each census year in which it and its episode were open (a return
-- holds a plan within its episode's record), its end read as that year's information
-- shows it (none after 31 March). A plan counts only up to the last census year a
-- return showed it (each return holds every plan open in its year, DfE methodology
-- 2016-17 §2): fct_cpp gives the NPD's 2008/09 plans no end or their episode's closure,
-- the 2009/10-2011/12 extracts having no plan fields, but a plan absent from the later
-- extracts that carry them was no longer open then.
plans as (
    select
        plan_spells.source_kind,
        episode_years.census_year,
        episode_years.year_la_code as la_code,
        plan_spells.child_id,
        plan_spells.start_date as cpp_start_date,
        plan_spells.previous_cpp_count,
        episode_years.period_start,
        episode_years.period_end,
        case
            when plan_spells.end_date <= episode_years.period_end then plan_spells.end_date
        end as cpp_end_date
    from {{ ref('fct_cpp') }} as plan_spells
    inner join plan_episode_years as episode_years
        on
            plan_spells.episode_id = episode_years.episode_id
            and plan_spells.start_date <= episode_years.period_end
            and (plan_spells.end_date is null or plan_spells.end_date >= episode_years.period_start)
            and plan_spells.last_census_year >= episode_years.census_year
),

plan_measures as (
    select
        plans.source_kind,
        plans.census_year,
        plans.la_code,
        {{ plan_measure_counts('plans', 'child_id') }}
    from plans
    group by plans.source_kind, plans.census_year, plans.la_code
),

-- The counts; then the open-data layout, population, rates and percentages below.
reconstructed_counts as (
    select
        official.source_kind,
        official.la_code,
        official.census_year,
        official.has_return,
        -- Each count of la_year_measure_specs from the CTE that computes it here (a spec
        -- drawn from fct_la_year's own extra column, e.g. children_in_need_31mar_as_carried,
        -- takes the count of its name); a spec that is no count of a measure CTE is not one.
        -- noqa: disable=LT02
        {%- set ns = namespace(items=[]) %}
        {%- for column, npd, xml, source_column in la_year_measures %}
            {%- for cte, columns in official_columns.items() %}
                {%- if (source_column or column) in columns %}
                    {%- do ns.items.append((column, cte, source_column or column)) %}
                {%- elif column in columns and source_column not in columns %}
                    {%- do ns.items.append((column, cte, column)) %}
                {%- endif %}
            {%- endfor %}
        {%- endfor %}
        {%- for column, cte, source in ns.items %}
        cast(case
            when official.{{ column }} is not null then coalesce({{ cte }}.{{ source }}, 0)
        end as bigint) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from official
    {%- for cte in official_columns %}
    left join {{ cte }}
        on
            official.source_kind = {{ cte }}.source_kind
            and official.census_year = {{ cte }}.census_year
            and official.la_code = {{ cte }}.la_code
    {%- endfor %}
    -- noqa: enable=LT02
)

-- DfE's open-data layout and the LA's population are fct_la_year's (same rows, same
-- keys); the rates and percentages are computed on the reconstructed counts by the same
-- macro (macros/la_year/open_data.sql), so each rate is defined once.
select
    official.time_period,
    official.time_identifier,
    official.geographic_level,
    official.country_code,
    official.country_name,
    official.region_code,
    official.region_name,
    official.old_la_code,
    official.new_la_code,
    official.la_name,
    reconstructed_counts.*,
    official.population_0_17,
    {{ la_year_rates('reconstructed_counts', 'official.population_0_17') }}
from reconstructed_counts
inner join official
    on {{ same_la_year('reconstructed_counts', 'official') }}
