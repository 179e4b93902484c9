{{ config(tags=['reconstruction']) }}

-- Row conservation of the rebuild: every conformed episode-year record and every conformed
-- plan record is in an episode (a plan) or carries a named exclusion reason, and the
-- linked models hold exactly one row per conformed record. Any row returned is a record
-- lost or invented.
with checks as (
    select
        'episode records: linked rows differ from conformed rows' as problem,
        (select count(*) from {{ ref('int_records_conformed__episode_year') }})
        - (select count(*) from {{ ref('int_episode_records_linked') }}) as rows_affected
    union all
    select
        'episode records: neither an episode nor an exclusion reason' as problem,
        count(*) as rows_affected
    from {{ ref('int_episode_records_linked') }}
    where (episode_id is null) = (exclusion_reason is null)
    union all
    select
        'episode records: folded into an episode missing from fct_episode' as problem,
        count(*) as rows_affected
    from {{ ref('int_episode_records_linked') }} as records
    where
        records.episode_id is not null
        and records.episode_id not in (
            select episodes.episode_id from {{ ref('fct_episode') }} as episodes
        )
    union all
    select
        'plan records: linked rows differ from conformed rows' as problem,
        (select count(*) from {{ ref('int_records_conformed__cpp_year') }})
        - (select count(*) from {{ ref('int_cpp_records_linked') }})
    union all
    select
        'plan records: neither a plan nor an exclusion reason' as problem,
        count(*) as rows_affected
    from {{ ref('int_cpp_records_linked') }}
    where (cpp_id is null) = (exclusion_reason is null)
    union all
    select
        'plan records: gathered into a plan missing from fct_cpp' as problem,
        count(*) as rows_affected
    from {{ ref('int_cpp_records_linked') }} as records
    where
        records.cpp_id is not null
        and records.cpp_id not in (
            select gathered_plans.cpp_id from {{ ref('fct_cpp') }} as gathered_plans
        )
)

select
    problem,
    rows_affected
from checks
where rows_affected <> 0
