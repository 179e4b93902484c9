{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '2990', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 2990 (error; rulesets cin2022_23 to current): Activity is recorded against a case
-- marked as ‘Case closed after assessment, no further action’ or ’case closed after assessment,
-- referred to early help’. An episode closed with RC8/RC9 (closed after assessment) must have no
-- CPP, CINdetails initial CPC date or CIN plan.
-- NPD carries only the CPP and the CINdetails initial CPC date of the episode (no CIN plans).

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        closure_reason_code,
        cpp_start_date,
        initial_cpc_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_reason_code in ('RC8', 'RC9')
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '2990: episode closed '
    || closure_reason_code
    || ' (after assessment) has '
    || case
        when
            cpp_start_date is not null
            then 'a CPP starting ' || {{ dq_text('cpp_start_date') }}
        else 'an initial CPC date ' || {{ dq_text('initial_cpc_date') }}
    end as failure_reason
from checked
where
    cpp_start_date is not null or initial_cpc_date is not null
