-- CINdetails/CINPlanDates (collected from 2021/22): one row per CIN plan of a referral.
with source as (
    select * from {{ source('xml', 'xml_cin_plan_dates') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('cinplanstartdate') }},
        {{ clean_value('cinplanenddate') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('cinplanstartdate') }},
        {{ parse_date('cinplanenddate') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(cin_plan_pos as integer) as cin_plan_pos,
        {{ stage_date('cinplanstartdate', 'cin_plan_start_date') }},
        {{ stage_date('cinplanenddate', 'cin_plan_end_date') }}
    from parsed
)

select * from staged
