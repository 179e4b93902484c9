-- One row per assessment, de-duplicated across the returns that repeat it (XML only: the
-- NPD extract carries no assessments, docs/cin_census.md §3b). Key: episode + actual start
-- date (an assessment recurs in each return while its episode is open). Which record
-- wins: the latest non-null authorisation and internal review dates; the factors are the
-- distinct codes of the latest return that lists any. Duration: working days from start
-- to authorisation (DfE methodology 2016-17, macros/working_days.sql).
with episode_keys as (
    {{ episode_keys_of_records() }}
),

records as (
    select
        assessments.*,
        episode_keys.episode_id,
        episode_keys.child_id,
        -- The latest record is the last returned (return_order).
        {{ return_order('source_line_number', 'assessment_pos', 'assessments') }} as record_order
    from {{ ref('int_records_conformed__assessment') }} as assessments
    inner join episode_keys
        on {{ same_episode_record('assessments', 'episode_keys') }}
),

keyed as (
    select
        *,
        {{ hashed_key(
            'assessment', key_text('episode_id'),
            "coalesce(strftime(assessment_start_date, '%Y-%m-%d'), 'start_unrecorded')"
        ) }} as assessment_id
    from records
),

factors as (
    select
        keyed.assessment_id,
        keyed.census_year,
        string_agg(
            distinct factors.assessment_factor_code, ',' order by factors.assessment_factor_code
        )
            as factor_codes
    from keyed
    inner join {{ ref('int_records_conformed__assessment_factor') }} as factors
        on
            keyed.source_file = factors.source_file
            and keyed.load_id = factors.load_id
            and keyed.child_pos = factors.child_pos
            and keyed.cin_details_pos = factors.cin_details_pos
            and keyed.assessment_pos = factors.assessment_pos
    where factors.assessment_factor_code is not null
    group by keyed.assessment_id, keyed.census_year
),

assessments as (
    select
        assessment_id,
        any_value(episode_id) as episode_id,
        any_value(child_id) as child_id,
        any_value(source_kind) as source_kind,
        arg_max(la_code, record_order) as la_code,
        min(assessment_start_date) as start_date,
        arg_max(assessment_authorisation_date, record_order)
        filter (where assessment_authorisation_date is not null) as authorisation_date,
        arg_max(assessment_internal_review_date, record_order)
        filter (where assessment_internal_review_date is not null) as internal_review_date,
        count(distinct assessment_authorisation_date) > 1 as has_conflicting_authorisation_dates,
        min(census_year) as first_census_year,
        max(census_year) as last_census_year,
        count(*) as record_count
    from keyed
    group by assessment_id
),

latest_factors as (
    select
        assessment_id,
        arg_max(factor_codes, census_year) as factor_codes
    from factors
    group by assessment_id
),

calendar as (
    {{ working_day_numbers() }}
)

select
    assessments.*,
    latest_factors.factor_codes,
    cast(authorised.working_days_before - started.working_days_before as integer)
        as duration_working_days
from assessments
left join latest_factors on assessments.assessment_id = latest_factors.assessment_id
left join calendar as started on assessments.start_date = started.day
left join calendar as authorised on assessments.authorisation_date = authorised.day
