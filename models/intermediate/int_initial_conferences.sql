-- One row per initial child protection conference (ICPC): child + conference date. DfE
-- methodology 2016-17 counts ICPCs from the section 47 module plus those recorded on the
-- CIN details (DateOfInitialCPC: transfer-ins; in the NPD, 2009/10-2016/17), with
-- duplicates on the same date removed; the flags say which module(s) recorded each.
with from_s47 as (
    select
        child_id,
        source_kind,
        initial_cpc_date,
        episode_id
    from {{ ref('int_s47_deduplicated') }}
    where initial_cpc_date is not null
),

from_cin_details as (
    select
        child_id,
        source_kind,
        initial_cpc_date,
        episode_id
    from {{ ref('int_episodes_folded') }}
    where initial_cpc_date is not null
),

both_modules as (
    select
        *,
        true as is_from_s47
    from from_s47
    union all
    select
        *,
        false as is_from_s47
    from from_cin_details
)

select
    child_id,
    initial_cpc_date,
    {{ hashed_key('icpc', key_text('child_id'), "strftime(initial_cpc_date, '%Y-%m-%d')") }}
        as icpc_id,
    any_value(source_kind) as source_kind,
    arg_max(episode_id, is_from_s47::integer) as episode_id,
    bool_or(is_from_s47) as is_from_s47,
    bool_or(not is_from_s47) as is_from_cin_details,
    count(*) as record_count
from both_modules
group by child_id, initial_cpc_date
