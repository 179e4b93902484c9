-- One row per section 47 enquiry, de-duplicated across the returns that repeat it (XML
-- only: the NPD extract has no section 47 module, docs/cin_census.md §3b). Key: episode +
-- actual start date. Which record wins: the latest non-null initial conference (ICPC)
-- date, target date and "ICPC not required" answer.
with episode_keys as (
    {{ episode_keys_of_records() }}
),

records as (
    select
        enquiries.*,
        episode_keys.episode_id,
        episode_keys.child_id,
        -- The latest record is the last returned (return_order).
        {{ return_order('source_line_number', 's47_pos', 'enquiries') }} as record_order
    from {{ ref('int_records_conformed__s47') }} as enquiries
    inner join episode_keys
        on {{ same_episode_record('enquiries', 'episode_keys') }}
)

select
    {{ hashed_key(
        's47', key_text('episode_id'),
        "coalesce(strftime(s47_start_date, '%Y-%m-%d'), 'start_unrecorded')"
    ) }} as s47_id,
    any_value(episode_id) as episode_id,
    any_value(child_id) as child_id,
    any_value(source_kind) as source_kind,
    arg_max(la_code, record_order) as la_code,
    min(s47_start_date) as start_date,
    arg_max(initial_cpc_target_date, record_order)
    filter (where initial_cpc_target_date is not null) as initial_cpc_target_date,
    arg_max(initial_cpc_date, record_order) filter (where initial_cpc_date is not null)
        as initial_cpc_date,
    arg_max(is_icpc_not_required, record_order) filter (where is_icpc_not_required is not null)
        as is_icpc_not_required,
    min(census_year) as first_census_year,
    max(census_year) as last_census_year,
    count(*) as record_count
from records
group by 1
