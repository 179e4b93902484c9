{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8805', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8805 (error; rulesets cin2022_23 to current): A CIN case cannot have a CIN closure
-- date without a Reason for Closure. If CINclosureDate is present, ReasonForClosure must be
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
    where closure_date is not null
)

select
    *,
    '8805: episode closed '
    || {{ dq_text('closure_date') }}
    || ' has no reason for closure' as failure_reason
from checked
where
    closure_reason_code is null
