{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8568', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8568 (error; rulesets cin2022_23 to current): RNFA flag is missing or invalid.
-- ReferralNFA must be present and one of 1/0/true/false.
-- Staging casts ReferralNFA to boolean; an invalid value becomes NULL (raw text kept in staging).

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
)

select
    *,
    '8568: ReferralNFA is missing or not one of 0, 1, true, false' as failure_reason
from checked
where
    is_referral_nfa is null
