-- DfE rule 8610: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8610', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        primary_need_code,
        is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    where is_referral_nfa = false
)

select
    *,
    '8610: referral going on to further action has no primary need code' as failure_reason
from checked
where
    primary_need_code is null
{% endcall %}
