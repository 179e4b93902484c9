-- The data-quality profile per source, census year and LA: the figures BMJ Open 2019 had
-- to compute by hand (Table 1 and "Data quality"), each with its denominator so that
-- shares sum over LAs and years. Three bases, named in the column docs:
--   * the return as delivered (children, identifiers, episode records, overlaps, recoded
--     and failed values): what that year's return of the LA holds;
--   * the rebuilt episodes (marts.fct_episode): closures missing a date (inferred by the
--     warehouse) and amended referral dates, which only show across returns;
--   * the LA list (seed ref_local_authorities): LAs expected but not submitting.
-- DfE rule failures are not here: they are the failing rows of the dbt tests (dq_failures
-- schema), summarised by `cin dq`: why, in the dq_la_year doc block (_docs_quality.md).
with
-- Every staged record of every module, with whether staging recoded or failed a value.
staged_records as (
    {{ dq_staged_record_flags() }}
),

staged_counts as (
    select
        source_kind,
        census_year,
        la_code,
        count(*) as staged_records,
        count(*) filter (where has_recoded_value) as records_with_recoded_value,
        count(*) filter (where has_failed_value) as records_with_failed_value
    from staged_records
    group by source_kind, census_year, la_code
),

-- Children of each return (LA + LAchildID, BMJ Open 2019 Table 1 "LA child ID
-- (derived)") and their national identifier as delivered: PMR (NPD) or UPN (XML). BMJ
-- Open 2019: 36% of children had no PMR (under school age, independent schools).
-- Each child of a return, and whether any record of theirs carries an identifier; the
-- distinct identifiers apart. Two reads of the records, not one pass of three
-- count(distinct) (session 13's form): for those DuckDB 2.0 wrote the 14M records to a
-- temporary table, then made a distinct aggregate each; at scale 1 dq_la_year alone
-- 44.5 -> 36.6 CPU s, peak 3.3 -> 2.9 GB (A B A B, load 9-11).
{%- set identifier = 'coalesce(pupil_matching_ref, upn)' %}
children as (
    select
        source_kind,
        census_year,
        la_code,
        la_child_id,
        bool_or({{ identifier }} is not null) as has_identifier
    from {{ ref('int_records_conformed__child_year') }}
    where la_child_id is not null
    group by source_kind, census_year, la_code, la_child_id
),

identifier_counts as (
    select
        source_kind,
        census_year,
        la_code,
        count(distinct {{ identifier }}) as identifiers
    from {{ ref('int_records_conformed__child_year') }}
    where la_child_id is not null
    group by source_kind, census_year, la_code
),

-- The children, those without an identifier (no record of theirs carries one), and the
-- distinct identifiers.
child_counts as (
    select
        children.source_kind,
        children.census_year,
        children.la_code,
        any_value(identifier_counts.identifiers) as identifiers,
        count(*) as children,
        count(*) filter (where not children.has_identifier) as children_without_identifier
    from children
    inner join identifier_counts
        on {{ same_la_year('children', 'identifier_counts') }}
    group by children.source_kind, children.census_year, children.la_code
),

-- The children of each return with episode records (one per child and referral date: an
-- NPD referral with two plans is two rows of one record; BMJ Open 2019 Table 1
-- "Episodes"), each record open to the end of time when the return writes no closure
-- date. A child whose rows all share one referral date and one closure has one record,
-- which overlaps nothing: only the other children's rows (at national scale 4.4M of 16.5M,
-- 2.0M of 14.2M children) are listed and joined below. Listing every record, then joining
-- all of them, took 54.6-56.6 CPU s for this model; this, 44.2-45.2 (2 runs each).
episode_children as (
    select
        source_kind,
        census_year,
        la_code,
        la_child_id,
        min(referral_date) = max(referral_date)
        and min({{ open_end('closure_date') }})
        = max({{ open_end('closure_date') }}) as has_one_record
    from {{ ref('int_records_conformed__episode_year') }}
    where la_child_id is not null and referral_date is not null
    group by source_kind, census_year, la_code, la_child_id
),

-- The episode records of the children with more than one.
episode_records as (
    select distinct
        records.source_kind,
        records.census_year,
        records.la_code,
        records.la_child_id,
        records.referral_date,
        {{ open_end('records.closure_date') }} as closure_or_open
    from {{ ref('int_records_conformed__episode_year') }} as records
    inner join episode_children as children
        on
            {{ same_la_year('records', 'children') }}
            and records.la_child_id = children.la_child_id
    where
        records.la_child_id is not null
        and records.referral_date is not null
        and not children.has_one_record
),

-- A child should have one open episode at a time (BMJ Open 2019, "Data quality"): a
-- record overlaps when another record of the child in the same return spans a common day.
-- A hash self-join of the children's records. Before the children with one record were
-- set aside (above), the self-join of every record (16.5M at national scale) was a
-- third of this model's time; it was measured against three other forms, none cheaper: a
-- sorted window pass per child (max closure of the earlier records, min referral of the
-- later ones), a prior filter to children with two records (a 14M-group aggregate beside
-- the distinct records, where it now replaces them), and a join of the conformed records
-- themselves (no temporary table for episode_records).
overlapping_records as (
    select distinct
        this_record.source_kind,
        this_record.census_year,
        this_record.la_code,
        this_record.la_child_id,
        this_record.referral_date,
        this_record.closure_or_open
    from episode_records as this_record
    inner join episode_records as other_record
        on
            {{ same_la_year('this_record', 'other_record') }}
            and this_record.la_child_id = other_record.la_child_id
            and (
                this_record.referral_date <> other_record.referral_date
                or this_record.closure_or_open <> other_record.closure_or_open
            )
            and this_record.closure_or_open >= other_record.referral_date
            and this_record.referral_date <= other_record.closure_or_open
),

-- Both counts per LA-year, each from its own rows: the overlapping records are counted
-- where they were found, not joined back onto every record (at national scale that join
-- of 16M records was a twentieth of this model's time). The records: one per child with
-- one, and the listed records of the others.
episode_record_totals as (
    select
        source_kind,
        census_year,
        la_code,
        cast(sum(records) as bigint) as episode_records
    from (
        select
            source_kind,
            census_year,
            la_code,
            count(*) as records
        from episode_children
        where has_one_record
        group by source_kind, census_year, la_code
        union all
        select
            source_kind,
            census_year,
            la_code,
            count(*) as records
        from episode_records
        group by source_kind, census_year, la_code
    ) as record_counts
    group by source_kind, census_year, la_code
),

overlapping_record_totals as (
    select
        source_kind,
        census_year,
        la_code,
        count(*) as overlapping_episode_records
    from overlapping_records
    group by source_kind, census_year, la_code
),

episode_record_counts as (
    select
        totals.source_kind,
        totals.census_year,
        totals.la_code,
        totals.episode_records,
        coalesce(overlapping.overlapping_episode_records, 0) as overlapping_episode_records
    from episode_record_totals as totals
    left join overlapping_record_totals as overlapping
        on {{ same_la_year('totals', 'overlapping') }}
),

-- Rebuilt episodes, each counted under the LA of its latest return and in a census year
-- of the source: a closed episode in the year of its last return (where its closure was
-- written, or from where it is inferred), an episode in the year of its first return
-- (which carried the referral date a later return amended). A closure date is "missing"
-- when no return wrote one and the warehouse inferred it (closure_date_is_inferred).
closed_episodes as (
    select
        source_kind,
        last_census_year as census_year,
        la_code,
        count(*) as episodes_closed,
        count(*) filter (where closure_date_is_inferred)
            as episodes_closed_without_closure_date
    from {{ ref('fct_episode') }}
    where closure_date is not null
    group by source_kind, last_census_year, la_code
),

first_returned_episodes as (
    select
        source_kind,
        first_census_year as census_year,
        la_code,
        count(*) as episodes_first_returned,
        count(*) filter (where is_referral_date_amended) as episodes_referral_date_amended
    from {{ ref('fct_episode') }}
    group by source_kind, first_census_year, la_code
),

-- One row per LA code: a code whose 9-character code changed (North Yorkshire, Somerset
-- and others) has one row per 9-character code in the seed.
la_codes as (
    select
        la_code,
        min(first_census_year) as first_census_year,
        max(last_census_year) as last_census_year,
        arg_max(la_name, last_census_year) as la_name
    from {{ ref('ref_local_authorities') }}
    group by la_code
),

-- The census years each source holds, and the LAs it holds in any year: an LA of the
-- source that existed in a census year (seed ref_local_authorities) but has no return in
-- it did not submit (BMJ Open 2019: one to three LAs a year up to 2011/12). An LA never
-- in the source (another LA's own XML returns) is not expected.
source_years as (
    select distinct
        source_kind,
        census_year
    from staged_counts
),

source_las as (
    select distinct
        source_kind,
        la_code
    from staged_counts
),

expected as (
    select
        source_years.source_kind,
        source_years.census_year,
        source_las.la_code
    from source_years
    inner join source_las
        on source_years.source_kind = source_las.source_kind
    inner join la_codes as las
        on
            source_las.la_code = las.la_code
            and source_years.census_year
            between las.first_census_year and las.last_census_year
),

la_years as (
    select
        source_kind,
        census_year,
        la_code
    from expected
    union
    select
        source_kind,
        census_year,
        la_code
    from staged_counts
    union
    select
        source_kind,
        census_year,
        la_code
    from closed_episodes
    union
    select
        source_kind,
        census_year,
        la_code
    from first_returned_episodes
)

select
    la_years.source_kind,
    la_years.census_year,
    la_years.la_code,
    las.la_name,
    expected.la_code is not null as is_la_expected,
    staged_counts.staged_records is not null as has_return,
    coalesce(child_counts.children, 0) as children,
    coalesce(child_counts.children_without_identifier, 0) as children_without_identifier,
    coalesce(child_counts.identifiers, 0) as identifiers,
    coalesce(episode_record_counts.episode_records, 0) as episode_records,
    coalesce(episode_record_counts.overlapping_episode_records, 0)
        as overlapping_episode_records,
    coalesce(staged_counts.staged_records, 0) as staged_records,
    coalesce(staged_counts.records_with_recoded_value, 0) as records_with_recoded_value,
    coalesce(staged_counts.records_with_failed_value, 0) as records_with_failed_value,
    coalesce(closed_episodes.episodes_closed, 0) as episodes_closed,
    coalesce(closed_episodes.episodes_closed_without_closure_date, 0)
        as episodes_closed_without_closure_date,
    coalesce(first_returned_episodes.episodes_first_returned, 0) as episodes_first_returned,
    coalesce(first_returned_episodes.episodes_referral_date_amended, 0)
        as episodes_referral_date_amended,
    cast(child_counts.children_without_identifier as double)
    / nullif(child_counts.children, 0) as share_children_without_identifier,
    cast(episode_record_counts.overlapping_episode_records as double)
    / nullif(episode_record_counts.episode_records, 0) as share_overlapping_episode_records,
    cast(staged_counts.records_with_recoded_value as double)
    / nullif(staged_counts.staged_records, 0) as share_records_with_recoded_value,
    cast(staged_counts.records_with_failed_value as double)
    / nullif(staged_counts.staged_records, 0) as share_records_with_failed_value,
    cast(closed_episodes.episodes_closed_without_closure_date as double)
    / nullif(closed_episodes.episodes_closed, 0) as share_closed_without_closure_date,
    cast(first_returned_episodes.episodes_referral_date_amended as double)
    / nullif(first_returned_episodes.episodes_first_returned, 0) as share_referral_date_amended
from la_years
left join expected
    on {{ same_la_year('la_years', 'expected') }}
left join la_codes as las
    on la_years.la_code = las.la_code
left join staged_counts
    on {{ same_la_year('la_years', 'staged_counts') }}
left join child_counts
    on {{ same_la_year('la_years', 'child_counts') }}
left join episode_record_counts
    on {{ same_la_year('la_years', 'episode_record_counts') }}
left join closed_episodes
    on {{ same_la_year('la_years', 'closed_episodes') }}
left join first_returned_episodes
    on {{ same_la_year('la_years', 'first_returned_episodes') }}
