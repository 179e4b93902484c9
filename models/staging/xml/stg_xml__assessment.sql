-- CINdetails/Assessments: one row per assessment of a referral.
with source as (
    select * from {{ source('xml', 'xml_assessment') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('assessmentactualstartdate') }},
        {{ clean_value('assessmentinternalreviewdate') }},
        {{ clean_value('assessmentauthorisationdate') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('assessmentactualstartdate') }},
        {{ parse_date('assessmentinternalreviewdate') }},
        {{ parse_date('assessmentauthorisationdate') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(assessment_pos as integer) as assessment_pos,
        {{ stage_date('assessmentactualstartdate', 'assessment_start_date') }},
        {{ stage_date('assessmentinternalreviewdate', 'assessment_internal_review_date') }},
        {{ stage_date('assessmentauthorisationdate', 'assessment_authorisation_date') }}
    from parsed
)

select * from staged
