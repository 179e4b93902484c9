-- CINdetails/ChildProtectionPlans: one row per child protection plan of a referral.
with source as (
    select * from {{ source('xml', 'xml_cpp') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('cppstartdate') }},
        {{ clean_value('cppenddate') }},
        {{ clean_value('numberofpreviouscpp') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('cppstartdate') }},
        {{ parse_date('cppenddate') }},
        {{ parse_cast('numberofpreviouscpp', 'integer') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(cpp_pos as integer) as cpp_pos,
        {{ stage_date('cppstartdate', 'cpp_start_date') }},
        {{ stage_date('cppenddate', 'cpp_end_date') }},
        {{ stage_code('initialcategoryofabuse', 'initial_abuse_category_code') }},
        {{ stage_code('latestcategoryofabuse', 'latest_abuse_category_code') }},
        {{ stage_cast('numberofpreviouscpp', 'previous_cpp_count') }}
    from parsed
)

select * from staged
