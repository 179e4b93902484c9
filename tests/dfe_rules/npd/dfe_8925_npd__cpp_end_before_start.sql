{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8925', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8925 (error; rulesets cin2022_23 to current): Child Protection Plan End Date earlier
-- than Start Date. CPP end date, where present, must be on or after the CPP start date.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        cpp_end_date,
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
    '8925: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is before the start '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    cpp_end_date < cpp_start_date
