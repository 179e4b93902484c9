-- One row per child key as submitted (source + submitted LA + LAchildID): the child it
-- belongs to. Child key = source + harmonised LA + LAchildID (BMJ Open 2019: LAchildID is
-- unique only within an LA; docs/cin_census.md §5: a reorganised LA keeps its children
-- findable under its successor). The NPD's anonymised LAchildID cannot key across
-- sources, so each source is keyed within itself.
-- Split LAs (Bedfordshire, Dorset, Northamptonshire, Cumbria) are allocated to one
-- successor by the LA seed; a child of the split LA who is later returned by the other
-- successor under the same LAchildID (case systems carry IDs over) would be split in two.
-- Rule: a key submitted under a split LA takes the successor of the same harmonised area
-- under which the same LAchildID is returned (when exactly one successor has it), else
-- the seed's allocation; `is_child_la_resolved_from_successor` says which.
with submitted_keys as (
    -- one aggregate over the records of both tables (a distinct of each, then a distinct
    -- of their union, grouped the 6.8M keys of the national scale three times)
    select
        source_kind,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id
    from (
        select
            source_kind,
            la_code,
            la_code_current,
            is_la_split_allocation,
            la_child_id
        from {{ ref('int_records_conformed__child_year') }}
        where la_child_id is not null and la_code is not null
        union all
        -- Only the XML episode records: an NPD episode record's key is the key of the child
        -- record made from the same staged NPD row (both tables group every row of
        -- stg_npd__cin, keeping these columns as staged), so they add no key; at national
        -- scale they were half the rows grouped here.
        select
            source_kind,
            la_code,
            la_code_current,
            is_la_split_allocation,
            la_child_id
        from {{ ref('int_records_conformed__episode_year') }}
        where la_child_id is not null and la_code is not null and source_kind = 'xml'
    ) as submitted_records
    group by source_kind, la_code, la_code_current, is_la_split_allocation, la_child_id
),

areas as (
    select
        cast(submitted_la_code as varchar) as la_code,
        cast(harmonised_area_code as varchar) as harmonised_area_code
    from {{ ref('ref_la_harmonisation') }}
),

successor_keys as (
    select
        submitted_keys.source_kind,
        submitted_keys.la_child_id,
        areas.harmonised_area_code,
        submitted_keys.la_code_current
    from submitted_keys
    inner join areas on submitted_keys.la_code = areas.la_code
    where not submitted_keys.is_la_split_allocation
),

split_matches as (
    select
        split_keys.source_kind,
        split_keys.la_code,
        split_keys.la_child_id,
        min(successor_keys.la_code_current) as successor_la_code,
        count(distinct successor_keys.la_code_current) as successor_count
    from submitted_keys as split_keys
    inner join areas on split_keys.la_code = areas.la_code
    inner join successor_keys
        on
            split_keys.source_kind = successor_keys.source_kind
            and split_keys.la_child_id = successor_keys.la_child_id
            and areas.harmonised_area_code = successor_keys.harmonised_area_code
    where split_keys.is_la_split_allocation
    group by split_keys.source_kind, split_keys.la_code, split_keys.la_child_id
),

resolved as (
    select
        submitted_keys.source_kind,
        submitted_keys.la_code,
        submitted_keys.la_child_id,
        submitted_keys.la_code_current as la_code_current_allocated,
        submitted_keys.is_la_split_allocation,
        coalesce(split_matches.successor_count = 1, false)
            as is_child_la_resolved_from_successor,
        case
            when split_matches.successor_count = 1 then split_matches.successor_la_code
            else submitted_keys.la_code_current
        end as child_la_code
    from submitted_keys
    left join split_matches
        on
            submitted_keys.source_kind = split_matches.source_kind
            and submitted_keys.la_code = split_matches.la_code
            and submitted_keys.la_child_id = split_matches.la_child_id
)

select
    {{ child_key('source_kind', 'child_la_code', 'la_child_id') }} as child_id,
    source_kind,
    la_code,
    la_child_id,
    child_la_code,
    la_code_current_allocated,
    is_la_split_allocation,
    is_child_la_resolved_from_successor
from resolved
