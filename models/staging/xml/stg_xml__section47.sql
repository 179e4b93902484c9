-- CINdetails/Section47: one row per section 47 enquiry of a referral.
with source as (
    select * from {{ source('xml', 'xml_section47') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('s47actualstartdate') }},
        {{ clean_value('initialcpctarget') }},
        {{ clean_value('dateofinitialcpc') }},
        {{ clean_value('icpcnotrequired') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('s47actualstartdate') }},
        {{ parse_date('initialcpctarget') }},
        {{ parse_date('dateofinitialcpc') }},
        {{ parse_flag('icpcnotrequired') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(s47_pos as integer) as s47_pos,
        {{ stage_date('s47actualstartdate', 's47_start_date') }},
        {{ stage_date('initialcpctarget', 'initial_cpc_target_date') }},
        {{ stage_date('dateofinitialcpc', 'initial_cpc_date') }},
        {{ stage_flag('icpcnotrequired', 'is_icpc_not_required') }}
    from parsed
)

select * from staged
