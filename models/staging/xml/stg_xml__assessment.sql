-- CINdetails/Assessments: one row per assessment of a referral.
with source as (
    select * from {{ source('xml', 'xml_assessment') }}
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
    from source
)

select * from staged
