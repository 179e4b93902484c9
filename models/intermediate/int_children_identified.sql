-- One row per child (child key = source + harmonised LA + LAchildID, BMJ Open 2019; the
-- key's LA resolution is int_child_keys_resolved) with its cleaned identifier, resolved
-- demographics and the person it belongs to.
--
-- Identifier (PMR in the NPD, UPN in the XML). BMJ Open 2019: the PMR is missing in some
-- of a child's records, a child occasionally has two, and two children occasionally share
-- one. Rule: the child's identifier is the one carried by most of its records (ties: the
-- latest return), so a record that lacks it is filled from the child's other records;
-- a child with two or more identifiers is flagged (`has_multiple_identifiers`), and an
-- identifier shared by children whose birth year/month or sex (M/F) disagree is flagged
-- (`has_shared_identifier_conflict`): neither is overwritten.
--
-- Demographics, one rule each (every record of the child, all census years):
--   * birth year and month: the most frequent pair (ties: latest); a second pair ->
--     `has_birth_conflict`;
--   * sex: the latest M/F (a pre-birth record's U is replaced once the child is born); M
--     and F both seen -> `has_sex_conflict`;
--   * ethnicity: the latest known code; two known codes -> `has_ethnicity_conflict`;
--   * disability: the latest census year's answer (a disability code other than NONE, or
--     the NPD's Disability flag).
--
-- Person linkage: a child moving LA gets a new LAchildID but keeps the UPN (adoption
-- brings a new UPN, so no link survives it: BMJ Open 2019). Children of one source that
-- share an identifier are linked, and `person_id` is the connected component of the
-- child-identifier graph (iterative minimum-label propagation, a fixed number of rounds;
-- `is_person_link_converged` is false if the last round still changed a label). A shared
-- identifier in conflict (above) links nothing. Confidence: a link rests on one exact
-- identifier match; failure modes: two children given one UPN in error with the same
-- birth month and sex are merged; a child whose only UPN record is missing stays apart;
-- an adopted child is always a new person.
-- Cost (national scale, 14M child-year records, 6.8M children): every aggregate holds
-- fixed-size states only, so that the model fits a small memory limit (DuckDB 1.5 at 2 GB,
-- one thread): no count(distinct) (each a hash table of its own over the group and the
-- value; "two or more distinct values" is least <> greatest), no ordered string_agg over
-- every child (only over the few with three or more identifiers), and the records that
-- several aggregates read are only the columns the rules need, joined for each reader
-- rather than written out once. The child is grouped and joined on its natural key
-- (source, child's LA, LAchildID: short strings, compared inline), not on the 32-character
-- md5 child_id, which is made once per child (resolved); only the person linkage, over
-- the few children sharing an identifier, runs on child_id (its label is the least).
{% set link_rounds = 6 %}
{#- the child's birth (a child with two or more pairs takes the vote's winner), for resolved
    and shared_identifier_links, which each join children to births_voted -#}
{% set resolved_birth_year = 'coalesce(births_voted.birth_year, children.birth_year)' %}
{% set resolved_birth_month =
    'case when children.has_birth_conflict then births_voted.birth_month'
    ~ ' else children.birth_month end' %}
{#- a child carrying two or more identifiers (its least and greatest differ: children) -#}
{% set carries_several_identifiers = 'children.least_identifier <> children.greatest_identifier' %}
{% set record_columns = [
    'source_kind', 'la_child_id', 'la_code', 'census_year', 'birth_year', 'birth_month', 'sex',
    'ethnicity_code', 'has_disability', 'record_count', 'identifier'
] %}
with split_child_keys as (
    {{ split_child_keys() }}
),

conformed_records as not materialized (
    -- only the columns the rules below read, and not materialised: three aggregates read
    -- it, and DuckDB would write it whole first (14M rows at national scale) and spill it
    -- under a small memory limit; each reader repeats the scan instead (about the same
    -- CPU; at 2 GB, 17 instead of 24 GB written to the spill files)
    select
        source_kind,
        la_child_id,
        la_code,
        la_code_current,
        is_la_split_allocation,
        census_year,
        birth_year,
        birth_month,
        sex,
        ethnicity_code,
        has_disability,
        record_count,
        case source_kind
            when 'npd' then pupil_matching_ref
            else upn
        end as identifier
    from {{ ref('int_records_conformed__child_year') }}
    -- every such record's key is a child key (int_child_keys_resolved is made from them)
    where la_code is not null and la_child_id is not null
),

child_records as not materialized (
    -- each record under its child's LA. Only a key submitted under a split LA can have a
    -- child LA other than its records' la_code_current (split_child_keys), and a key is
    -- split-allocated or not in all its records (int_child_keys_resolved is unique on the
    -- key, a data test), so only the split-allocated records look their key up (274,482
    -- of 14.2M at national scale), not every record three times. With the boolean sex
    -- conflict below: 110 -> 94 CPU s for this model at national scale (2 threads, 3 GB),
    -- the same rows.
    select
        {%- for column in record_columns %}
            conformed_records.{{ column }},
        {%- endfor %}
        conformed_records.la_code_current as child_la_code
    from conformed_records
    where not coalesce(conformed_records.is_la_split_allocation, true)
    union all
    select
        {%- for column in record_columns %}
            conformed_records.{{ column }},
        {%- endfor %}
        coalesce(split_child_keys.child_la_code, conformed_records.la_code_current)
            as child_la_code
    from conformed_records
    left join split_child_keys
        on
            conformed_records.source_kind = split_child_keys.source_kind
            and conformed_records.la_code = split_child_keys.la_code
            and conformed_records.la_child_id = split_child_keys.la_child_id
    -- (an unknown flag too: looked up, as every record was)
    where coalesce(conformed_records.is_la_split_allocation, true)
),

-- Disability: the answer of the latest census year with one (a year with a disability
-- code other than NONE, or the NPD's Disability flag, answers yes). Each answer is one
-- number, census year * 2 + (1 if yes): the greatest is the latest year, and it is odd
-- when any answer of that year is yes, so no (child, year) table is built first.
coded_disability as (
    select
        disabilities.source_kind,
        child_keys.child_la_code,
        disabilities.la_child_id,
        max(
            disabilities.census_year * 2
            + cast(disabilities.disability_code <> 'NONE' as integer)
        ) as latest_disability_answer
    from {{ ref('int_records_conformed__disability') }} as disabilities
    inner join {{ ref('int_child_keys_resolved') }} as child_keys
        on
            disabilities.source_kind = child_keys.source_kind
            and disabilities.la_code = child_keys.la_code
            and disabilities.la_child_id = child_keys.la_child_id
    where disabilities.disability_code is not null
    group by disabilities.source_kind, child_keys.child_la_code, disabilities.la_child_id
),

children as (
    select
        source_kind,
        child_la_code,
        la_child_id,
        arg_max(la_code, census_year) as la_code,
        min(census_year) as first_census_year,
        max(census_year) as last_census_year,
        -- the latest M/F, else the latest other code: an M/F record's year counts 10000
        -- more. DuckDB's arg_max skips a row whose argument is NULL (a unit test says so),
        -- so neither this nor the ethnicity needs a FILTER: three fewer, and this aggregate
        -- alone at national scale took 15.0-16.2 CPU s instead of 17.2-18.0
        arg_max(sex, census_year + 10000 * cast(sex in ('M', 'F') as integer)) as sex,
        -- M and F both seen (boolean states: cheaper than the least and greatest text)
        coalesce(bool_or(sex = 'M') and bool_or(sex = 'F'), false) as has_sex_conflict,
        arg_max(ethnicity_code, census_year) as ethnicity_code,
        coalesce(min(ethnicity_code) <> max(ethnicity_code), false) as has_ethnicity_conflict,
        -- the disability flag's answers, coded as in coded_disability
        max(census_year * 2 + cast(has_disability as integer))
            as latest_disability_answer,
        sum(record_count) as record_count,
        -- the birth pairs of the records with a birth year (birth_votes): one pair when the
        -- years agree and the months agree or are all missing (a missing month beside a
        -- given one is a second pair, as in the vote's grouping). `birth_month + birth_year
        -- * 0` is the month of a record with a birth year only (NULL otherwise): cheaper
        -- than a FILTER on each state
        min(birth_year) as birth_year,
        min(birth_month + birth_year * 0) as birth_month,
        coalesce(
            min(birth_year) <> max(birth_year)
            or min(birth_month + birth_year * 0) <> max(birth_month + birth_year * 0)
            or (
                bool_or(birth_year is not null and birth_month is null)
                and min(birth_month + birth_year * 0) is not null
            ),
            false
        ) as has_birth_conflict,
        -- the child's identifiers: nearly every child carries one or none (at national
        -- scale 6,144 of 6.8M carry two), so the least and the greatest give its identifier
        -- and only a child with two or more is put to the vote (identifier_votes). Alone at
        -- national scale (3 GB, 2 threads, load 9-23, alternated), with resolved read once
        -- (shared_identifier_links): 144.2, 132.6 -> 134.5, 120.0, 134.3 CPU s (means 138.4
        -- -> 129.6, within the load's noise); the same table
        min(identifier) as least_identifier,
        max(identifier) as greatest_identifier
    from child_records
    group by source_kind, child_la_code, la_child_id
),

voted_records as (
    -- the records of the few children put to a vote (birth or identifier), read once for
    -- both votes
    select
        child_records.source_kind,
        child_records.child_la_code,
        child_records.la_child_id,
        child_records.census_year,
        child_records.record_count,
        child_records.birth_year,
        child_records.birth_month,
        child_records.identifier,
        children.has_birth_conflict,
        {{ carries_several_identifiers }} as has_multiple_identifiers
    from child_records
    inner join children
        on {{ same_child('child_records', 'children') }}
    where children.has_birth_conflict or {{ carries_several_identifiers }}
),

identifier_votes as (
    -- one row per identifier of a child carrying two or more
    select
        source_kind,
        child_la_code,
        la_child_id,
        identifier,
        sum(record_count) as records_carrying,
        max(census_year) as last_census_year
    from voted_records
    where has_multiple_identifiers and identifier is not null
    group by source_kind, child_la_code, la_child_id, identifier
),

identifiers_voted as (
    select
        source_kind,
        child_la_code,
        la_child_id,
        arg_max(identifier, records_carrying * 10000 + last_census_year) as identifier,
        count(*) as identifier_count,
        -- the identifiers in order, comma separated
        string_agg(identifier, ',' order by identifier) as all_identifiers
    from identifier_votes
    group by source_kind, child_la_code, la_child_id
),

-- Birth: nearly every child has one (year, month) pair in all its records (at national
-- scale 3 of 6.8M have two), so `children` finds the pair from the least and greatest year
-- and month of its records, and only a child with two or more pairs is put to the vote:
-- one aggregate over every record fewer than voting for all (the same answer: a single
-- pair wins its vote). Alone at national scale (4 GB, 2 threads, idle machine, alternated):
-- 64.2-71.2 -> 60.8-65.0 CPU s, 37-42 -> 33-34 s wall; the same table.
birth_votes as (
    select
        source_kind,
        child_la_code,
        la_child_id,
        birth_year,
        birth_month,
        sum(record_count) as records_carrying,
        max(census_year) as last_census_year
    from voted_records
    where has_birth_conflict and birth_year is not null
    group by source_kind, child_la_code, la_child_id, birth_year, birth_month
),

births_voted as (
    select
        source_kind,
        child_la_code,
        la_child_id,
        arg_max(birth_year, records_carrying * 10000 + last_census_year) as birth_year,
        arg_max(birth_month, records_carrying * 10000 + last_census_year) as birth_month
    from birth_votes
    group by source_kind, child_la_code, la_child_id
),

resolved as (
    select
        -- the child key's md5, made here once per child (and again in
        -- shared_identifier_links for the few sharing an identifier)
        {{ child_key('children.source_kind', 'children.child_la_code', 'children.la_child_id') }}
            as child_id,
        children.source_kind,
        children.child_la_code as la_code_current,
        children.la_child_id,
        children.la_code,
        children.first_census_year,
        children.last_census_year,
        children.sex,
        children.ethnicity_code,
        children.has_sex_conflict,
        children.has_ethnicity_conflict,
        children.record_count,
        -- a child with two or more identifiers takes the vote's winner
        case
            when {{ carries_several_identifiers }}
                then identifiers_voted.identifier
            else children.least_identifier
        end as identifier,
        {{ resolved_birth_year }} as birth_year,
        {{ resolved_birth_month }} as birth_month,
        case
            when {{ carries_several_identifiers }}
                then identifiers_voted.all_identifiers
            else children.least_identifier
        end as all_identifiers,
        -- the later of the flag's and the codes' latest answers (in one year: yes if
        -- either says yes); odd is yes (coded_disability)
        greatest(
            children.latest_disability_answer, coded_disability.latest_disability_answer
        ) % 2 = 1 as has_disability,
        case
            when children.least_identifier is null then 0
            when children.least_identifier = children.greatest_identifier then 1
            else identifiers_voted.identifier_count
        end as identifier_count,
        children.has_birth_conflict
    from children
    left join identifiers_voted
        on {{ same_child('children', 'identifiers_voted') }}
    left join births_voted
        on {{ same_child('children', 'births_voted') }}
    left join coded_disability
        on {{ same_child('children', 'coded_disability') }}
),

child_identifiers as (
    -- one row per child and identifier it carries: a child's one identifier, or the rows of
    -- the vote of a child carrying more (each a child of resolved: all are made from
    -- child_records)
    select
        source_kind,
        child_la_code,
        la_child_id,
        least_identifier as identifier
    from children
    where least_identifier = greatest_identifier
    union all
    select
        source_kind,
        child_la_code,
        la_child_id,
        identifier
    from identifier_votes
),

identifier_sharing as (
    -- the children carrying each identifier (child_identifiers' rows)
    select
        source_kind,
        identifier,
        count(*) as children_sharing
    from child_identifiers
    group by source_kind, identifier
),

shared_identifier_links as (
    -- every identifier two or more children carried, once per child, with the child's
    -- resolved demographics. An identifier one child alone carries links nothing and is in
    -- no conflict (one birth month, one sex), so only these rows (274K of 4.5M at national
    -- scale) meet the children, not every identifier row: the same flags and labels, fewer
    -- CPU s (BENCHMARKS.md). They take the child's birth and key from children, not from
    -- resolved, so that resolved has one reader and is not written out whole first
    select
        {{ child_key('children.source_kind', 'children.child_la_code', 'children.la_child_id') }}
            as child_id,
        children.source_kind,
        child_identifiers.identifier,
        {{ resolved_birth_year }} as birth_year,
        {{ resolved_birth_month }} as birth_month,
        children.sex
    from child_identifiers
    inner join identifier_sharing
        on
            child_identifiers.source_kind = identifier_sharing.source_kind
            and child_identifiers.identifier = identifier_sharing.identifier
    inner join children
        on {{ same_child('child_identifiers', 'children') }}
    left join births_voted
        on {{ same_child('children', 'births_voted') }}
    where identifier_sharing.children_sharing > 1
),

shared_identifiers as (
    select
        source_kind,
        identifier,
        -- two distinct birth months, or M and F: the least differs from the greatest
        coalesce(
            min(birth_year * 100 + birth_month) <> max(birth_year * 100 + birth_month),
            false
        )
        or coalesce(
            min(sex) filter (where sex in ('M', 'F'))
            <> max(sex) filter (where sex in ('M', 'F')),
            false
        ) as is_in_conflict
    from shared_identifier_links
    group by source_kind, identifier
),

graph_edges as (
    select
        shared_identifier_links.child_id,
        shared_identifier_links.source_kind || '|' || shared_identifier_links.identifier
            as identifier_node
    from shared_identifier_links
    inner join shared_identifiers
        on
            shared_identifier_links.source_kind = shared_identifiers.source_kind
            and shared_identifier_links.identifier = shared_identifiers.identifier
    -- An identifier only one child carries links nothing (its label is that child's own),
    -- so the rounds below run over the children that share one: a few in a hundred, where
    -- every child took part in each round before (same labels; BENCHMARKS.md).
    where not shared_identifiers.is_in_conflict
),

labels_0 as (
    select distinct
        child_id,
        child_id as component_label
    from graph_edges
),

{% for round in range(1, link_rounds + 1) %}
    identifier_labels_{{ round }} as (
        select
            graph_edges.identifier_node,
            min(labels_{{ round - 1 }}.component_label) as component_label
        from graph_edges
        inner join labels_{{ round - 1 }} on graph_edges.child_id = labels_{{ round - 1 }}.child_id
        group by graph_edges.identifier_node
    ),

    labels_{{ round }} as (
        select
            labels_{{ round - 1 }}.child_id,
            least(
                labels_{{ round - 1 }}.component_label,
                min(identifier_labels_{{ round }}.component_label)
            )
                as component_label
        from labels_{{ round - 1 }}
        left join graph_edges on labels_{{ round - 1 }}.child_id = graph_edges.child_id
        left join identifier_labels_{{ round }}
            on graph_edges.identifier_node = identifier_labels_{{ round }}.identifier_node
        group by labels_{{ round - 1 }}.child_id, labels_{{ round - 1 }}.component_label
    ),
{% endfor %}

conflicts as (
    -- every child sharing an identifier (the others' flags stay false)
    select
        shared_identifier_links.child_id,
        bool_or(shared_identifiers.is_in_conflict) as has_shared_identifier_conflict
    from shared_identifier_links
    inner join shared_identifiers
        on
            shared_identifier_links.source_kind = shared_identifiers.source_kind
            and shared_identifier_links.identifier = shared_identifiers.identifier
    group by shared_identifier_links.child_id
),

person_links as (
    -- the linkage's answers for the children sharing an identifier (the labelled children
    -- are among them: graph_edges is made from the same rows), so that each child is
    -- looked up once, not in three tables
    select
        conflicts.child_id,
        conflicts.has_shared_identifier_conflict,
        final_labels.component_label,
        -- a child sharing only identifiers in conflict keeps its own label: converged
        coalesce(final_labels.component_label = previous_labels.component_label, true)
            as is_person_link_converged
    from conflicts
    left join labels_{{ link_rounds }} as final_labels
        on conflicts.child_id = final_labels.child_id
    left join labels_{{ link_rounds - 1 }} as previous_labels
        on conflicts.child_id = previous_labels.child_id
)

select
    resolved.child_id,
    resolved.source_kind,
    resolved.la_code,
    resolved.la_code_current,
    resolved.la_child_id,
    resolved.identifier_count,
    resolved.all_identifiers,
    resolved.birth_year,
    resolved.birth_month,
    resolved.has_birth_conflict,
    resolved.sex,
    resolved.has_sex_conflict,
    resolved.ethnicity_code,
    resolved.has_ethnicity_conflict,
    resolved.has_disability,
    resolved.first_census_year,
    resolved.last_census_year,
    resolved.record_count,
    {{ hashed_key(
        'person', 'resolved.source_kind',
        key_text('coalesce(person_links.component_label, resolved.child_id)')
    ) }} as person_id,
    case when resolved.source_kind = 'npd' then resolved.identifier end as pupil_matching_ref,
    case when resolved.source_kind = 'xml' then resolved.identifier end as upn,
    resolved.identifier_count > 1 as has_multiple_identifiers,
    person_links.child_id is not null as has_shared_identifier,
    coalesce(person_links.has_shared_identifier_conflict, false) as has_shared_identifier_conflict,
    -- a child sharing no identifier keeps its own label: converged
    coalesce(person_links.is_person_link_converged, true) as is_person_link_converged
from resolved
left join person_links on resolved.child_id = person_links.child_id
