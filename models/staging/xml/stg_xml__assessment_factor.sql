-- Assessments/FactorsIdentifiedAtAssessment/AssessmentFactors: one row per factor code.
with source as (
    select * from {{ source('xml', 'xml_assessment_factor') }}
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(assessment_pos as integer) as assessment_pos,
        cast(factor_pos as integer) as factor_pos,
        {{ stage_code('assessmentfactors', 'assessment_factor_code') }}
    from source
)

select * from staged
