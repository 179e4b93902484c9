{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8615', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8615 (error; rulesets cin2022_23 to current): Section 47 Enquiry Start Date must be
-- present and cannot be later than the date of the initial Child Protection Conference. If a
-- Section47 has an initial CPC date, the S47 start date must be present and on or before it.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        s47_pos,
        s47_start_date,
        initial_cpc_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_date is not null
)

select
    *,
    '8615: section 47 start '
    || {{ dq_text('s47_start_date') }}
    || ' is missing or after its initial CPC '
    || {{ dq_text('initial_cpc_date') }} as failure_reason
from checked
where
    s47_start_date is null or s47_start_date > initial_cpc_date
