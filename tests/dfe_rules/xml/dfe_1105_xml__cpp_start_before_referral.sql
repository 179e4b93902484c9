{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1105', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1105 (error; rulesets cin2022_23 to current): The child protection plan start date
-- cannot be before the referral date. Child protection plan start date must be on or after the
-- CIN referral date of the same episode.

with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('cpp', 'episode', 'cin_details') }}
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
