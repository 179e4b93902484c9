-- The header of each LA's census return (Header/CollectionDetails and Header/Source):
-- one row per return file. Typing rules: macros/staging (one place per rule).
with source as (
    select * from {{ source('xml', 'xml_header') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('year') }},
        {{ clean_value('referencedate') }},
        {{ clean_value('datetime') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_cast('year', 'integer') }},
        {{ parse_date('referencedate') }},
        {{ parse_cast('datetime', 'timestamp') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        {{ stage_code('collection', 'collection_code') }},
        {{ stage_cast('year', 'collection_year') }},
        {{ stage_date('referencedate', 'reference_date') }},
        {{ stage_code('sourcelevel', 'source_level_code') }},
        {{ stage_code('lea', 'lea_code') }},
        {{ stage_text('softwarecode', 'software_code') }},
        {{ stage_text('release', 'software_release') }},
        {{ stage_text('serialno', 'serial_number') }},
        {{ stage_cast('datetime', 'file_created_at') }}
    from parsed
)

select * from staged
