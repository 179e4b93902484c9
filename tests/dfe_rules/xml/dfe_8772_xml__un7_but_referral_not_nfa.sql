{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8772', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8772 (error; rulesets cin2022_23 to current): UPN unknown reason is UN7 (Referral with
-- no further action) but at least one CIN details is a referral going on to further action. If
-- UPNunknown is UN7 (referral with no further action), every CINdetails episode for the child
-- must have ReferralNFA = true/1.

with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        (
            select count(*)
            from {{ ref('stg_xml__cin_details') }} as episode
            where
                {{ dq_xml_keys_match('episode', 'child', 'child') }}
                and not coalesce(episode.is_referral_nfa, false)
        ) as episodes_not_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    where child.upn_unknown_code = 'UN7'
)

select
    *,
    '8772: UPNunknown is UN7 (referral with no further action) but '
    || episodes_not_nfa
    || ' episodes go on to further action' as failure_reason
from checked
where
    episodes_not_nfa > 0
