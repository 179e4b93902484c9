{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8810', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8810 (error; rulesets cin2022_23 to current): A CIN case cannot have a Reason for
-- Closure without a CIN Closure Date. If ReasonForClosure is present, CINclosureDate must be
-- present.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        closure_date,
        closure_reason_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_reason_code is not null
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8810: reason for closure '
    || closure_reason_code
    || ' without a closure date' as failure_reason
from checked
where
    closure_date is null
