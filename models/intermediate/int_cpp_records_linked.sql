-- One row per conformed child protection plan record (int_records_conformed__cpp_year),
-- with the child, the episode (the referral the record sits on) and the plan it was
-- gathered into, or the named reason it was not (row conservation).
-- Plan key = child + CPP start date: a child has one plan at a time (DfE rule 8935), and
-- BMJ Open 2019 ("CPP details must be gathered across all records") keys plans by start.
-- NPD gap (docs/cin_census.md §3b: CPPstartDate and NumberOfPreviousCPP are missing for
-- referrals of 1 April 2009 - 31 March 2012): a plan record with no start date is keyed by
-- its episode and initial category of abuse instead, and says so
-- (`is_start_date_unrecorded`); int_cpp_spells recovers the start where the data allows.
with records as (
    select
        *,
        {{ hashed_key(
            none, 'source_file', 'load_id', 'first_source_line_number', 'child_pos',
            'cin_details_pos', 'cpp_pos'
        ) }} as cpp_record_id
    from {{ ref('int_records_conformed__cpp_year') }}
),

episode_keys as (
    -- the episode each (return, child, referral) was folded into
    {{ episode_keys_of_records() }}
),

linked as (
    select
        records.*,
        episode_keys.child_id,
        episode_keys.episode_id,
        records.cpp_start_date is null as is_start_date_unrecorded
    from records
    left join episode_keys
        on {{ same_episode_record('records', 'episode_keys') }}
)

select
    cpp_record_id,
    source_kind,
    census_year,
    la_code,
    la_code_current,
    la_child_id,
    referral_date,
    child_id,
    episode_id,
    case
        when episode_id is null then null
        when cpp_start_date is not null then {{ cpp_key('child_id', 'cpp_start_date') }}
        else {{ hashed_key(
            'cpp', "'start_unrecorded'", key_text('episode_id'),
            "coalesce(initial_abuse_category_code, '?')"
        ) }}
    end as cpp_id,
    case
        when episode_id is null then 'episode_not_found'
    end as exclusion_reason,
    is_start_date_unrecorded,
    cpp_start_date,
    cpp_end_date,
    initial_abuse_category_code,
    latest_abuse_category_code,
    previous_cpp_count,
    source_file,
    load_id,
    child_pos,
    cin_details_pos,
    cpp_pos,
    first_source_line_number,
    record_count
from linked
