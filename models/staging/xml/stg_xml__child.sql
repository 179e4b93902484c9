-- Children/Child: identifiers and characteristics, one row per Child element of a return.
-- GenderCurrent (to 2023/24) and Sex (from 2024/25) become one `sex` column
-- (docs/cin_census.md §3a).
{%- set census_year = '_census_year' %}  {#- legacy codes hold for spans of years #}
with source as (
    select * from {{ source('xml', 'xml_child') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('personbirthdate') }},
        {{ clean_value('expectedpersonbirthdate') }},
        {{ clean_value('persondeathdate') }},
        {{ clean_value('ethnicity') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('personbirthdate') }},
        {{ parse_date('expectedpersonbirthdate') }},
        {{ parse_date('persondeathdate') }},
        {{ parse_coded('ethnicity', 'ethnicity', census_year) }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        {{ stage_text('lachildid', 'la_child_id') }},
        {{ stage_code('upn', 'upn') }},
        {{ stage_code('formerupn', 'former_upn') }},
        {{ stage_code('upnunknown', 'upn_unknown_code') }},
        {{ stage_date('personbirthdate', 'birth_date') }},
        {{ stage_date('expectedpersonbirthdate', 'expected_birth_date') }},
        {{ stage_sex('gendercurrent', 'sex') }},
        {{ stage_date('persondeathdate', 'death_date') }},
        {{ stage_coded('ethnicity', 'ethnicity_code') }}
    from parsed
)

select * from staged
