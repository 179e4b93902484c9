-- CINdetails/ChildProtectionPlans: one row per child protection plan of a referral.
with source as (
    select * from {{ source('xml', 'xml_cpp') }}
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
        {{ stage_cast('numberofpreviouscpp', 'previous_cpp_count', 'integer') }}
    from source
)

select * from staged
