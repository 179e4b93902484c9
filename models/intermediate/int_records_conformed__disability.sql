-- Disability records (one code each) from both sources in one shape. NPD: one record per
-- row of the yearly disabilities table; XML: one per Disability element, with the child's
-- LAchildID from its Child element.
with npd_disabilities as (
    select
        'npd' as source_kind,
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        pupil_matching_ref,
        disability_code,
        source_file,
        load_id,
        cast(null as integer) as child_pos,
        cast(null as integer) as disability_pos,
        source_line_number,
        1 as record_count
    from {{ ref('stg_npd__disabilities') }}
),

xml_disabilities as (
    select
        'xml' as source_kind,
        disabilities.census_year,
        disabilities.la_code,
        disabilities.la_code_current,
        disabilities.is_la_split_allocation,
        children.la_child_id,
        cast(null as varchar) as pupil_matching_ref,
        disabilities.disability_code,
        disabilities.source_file,
        disabilities.load_id,
        disabilities.child_pos,
        disabilities.disability_pos,
        disabilities.source_line_number,
        1 as record_count
    from {{ ref('stg_xml__disability') }} as disabilities
    {{ xml_child_join('disabilities', 'children') }}
)

select * from npd_disabilities
union all
select * from xml_disabilities
