{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8832', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8832 (error; rulesets cin2022_23 to current): Child Protection details provided for a
-- referral with no further action. An NFA referral (ReferralNFA true) must have no child
-- protection plan.

with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_start_date,
        episode.is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('cpp', 'episode', 'cin_details') }}
)

select
    *,
    '8832: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' on a referral with no further action' as failure_reason
from checked
where
    is_referral_nfa
