{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8810', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8810 (error; rulesets cin2022_23 to current): A CIN case cannot have a Reason for
-- Closure without a CIN Closure Date. If ReasonForClosure is present, CINclosureDate must be
-- present.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        closure_date,
        closure_reason_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    where closure_reason_code is not null
)

select
    *,
    '8810: reason for closure '
    || closure_reason_code
    || ' without a closure date' as failure_reason
from checked
where
    closure_date is null
