-- DfE rule 4000: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4000', 'xml') %}
with checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        plan.cin_details_pos,
        plan.cin_plan_pos,
        plan.cin_plan_start_date,
        episode.is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('plan', 'episode', 'cin_details') }}
)

select
    *,
    '4000: CIN plan starting '
    || {{ dq_text('cin_plan_start_date') }}
    || ' on a referral with no further action' as failure_reason
from checked
where
    is_referral_nfa
{% endcall %}
