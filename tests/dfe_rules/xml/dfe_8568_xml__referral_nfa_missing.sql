-- DfE rule 8568: message, summary and severity in seeds/ref_dfe_rules.csv. Staging casts
-- ReferralNFA to boolean; an invalid value becomes NULL (raw text kept in staging).

{% call dq_dfe_rule('8568', 'xml') %}
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
{% endcall %}
