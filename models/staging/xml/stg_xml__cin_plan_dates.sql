-- CINdetails/CINPlanDates (collected from 2021/22): one row per CIN plan of a referral.
with source as (
    select * from {{ source('xml', 'xml_cin_plan_dates') }}
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(cin_plan_pos as integer) as cin_plan_pos,
        {{ stage_date('cinplanstartdate', 'cin_plan_start_date') }},
        {{ stage_date('cinplanenddate', 'cin_plan_end_date') }}
    from source
)

select * from staged
