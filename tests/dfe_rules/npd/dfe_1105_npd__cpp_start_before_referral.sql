{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '1105', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 1105 (error; rulesets cin2022_23 to current): The child protection plan start date
-- cannot be before the referral date. Child protection plan start date must be on or after the
-- CIN referral date of the same episode.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        cpp_start_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '1105: CPP start date '
    || {{ dq_text('cpp_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    cpp_start_date < referral_date
