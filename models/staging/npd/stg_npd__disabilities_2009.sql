-- Census year 2009: the disabilities table, one row per child x disability.
-- 2008/09 has no CIN_LA: CIN_LA_09 (the submitting LA) and CIN_LA_LGR.
-- Typing rules: macros/staging (one place per rule).
with source as (
    select * from {{ source('npd', 'npd_cin_disabilities_2009') }}
),

staged as (
    select
        {{ npd_provenance() }},
        {{ npd_la_code('cin_la_09') }},
        {{ stage_text('cin_acadyr', 'academic_year_label') }},
        {{ stage_text('cin_pupilmatchingrefanonymous', 'pupil_matching_ref') }},
        {{ stage_text('cin_lachildid_anon', 'la_child_id') }},
        {{ stage_code('cin_la_09', 'la_code_pre_2009') }},
        {{ stage_code('cin_la_lgr', 'la_code_post_2009') }},
        {{ stage_code('cin_disabilitytype', 'disability_code') }}
    from source
)

select * from staged
