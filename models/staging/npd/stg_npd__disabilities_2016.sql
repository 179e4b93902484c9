-- Census year 2016: the disabilities table, one row per child x disability.
-- Typing rules: macros/staging (one place per rule).
with source as (
    select * from {{ source('npd', 'npd_cin_disabilities_2016') }}
),

staged as (
    select
        {{ npd_provenance() }},
        {{ npd_la_code('cin_la', 'cin_cin_la') }},
        {{ stage_text('cin_acadyr', 'academic_year_label') }},
        {{ stage_text('cin_pupilmatchingrefanonymous', 'pupil_matching_ref') }},
        {{ stage_text('cin_lachildid_anon', 'la_child_id') }},
        {{ absent_value('la_code_pre_2009') }},  -- not in this year
        {{ absent_value('la_code_post_2009') }},  -- not in this year
        {{ stage_code('cin_disabilitytype', 'disability_code') }}
    from source
)

select * from staged
