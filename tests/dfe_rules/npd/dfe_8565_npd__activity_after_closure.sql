{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8565', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8565 (error; rulesets cin2022_23 to current): Activity shown after a case has been
-- closed. CINclosureDate, where present, must be on or after every assessment, S47, ICPC, CPP end
-- and CIN plan date in the episode.
-- NPD carries only the initial CPC date and the CPP end of an episode's activity.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        closure_date,
        initial_cpc_date,
        cpp_end_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_date is not null
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8565: episode closed '
    || {{ dq_text('closure_date') }}
    || ' has '
    || concat_ws(
        ' and ',
        case
            when initial_cpc_date > closure_date
                then 'a later initial CPC ' || {{ dq_text('initial_cpc_date') }}
        end,
        case
            when cpp_end_date > closure_date
                then 'a later CPP end ' || {{ dq_text('cpp_end_date') }}
        end
    ) as failure_reason
from checked
where
    initial_cpc_date > closure_date or cpp_end_date > closure_date
