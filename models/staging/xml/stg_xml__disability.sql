-- ChildCharacteristics/Disabilities/Disability: one row per Disability element.
with source as (
    select * from {{ source('xml', 'xml_disability') }}
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(disability_pos as integer) as disability_pos,
        {{ stage_code('disability', 'disability_code') }}
    from source
)

select * from staged
