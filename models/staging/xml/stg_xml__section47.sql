-- CINdetails/Section47: one row per section 47 enquiry of a referral.
with source as (
    select * from {{ source('xml', 'xml_section47') }}
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
    from source
)

select * from staged
