-- DfE rule 4015: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4015', 'xml') %}
with checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        plan.cin_details_pos,
        plan.cin_plan_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('plan', 'episode', 'cin_details') }}
)

select
    *,
    '4015: CIN plan start date '
    || {{ dq_text('cin_plan_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    cin_plan_start_date < referral_date
{% endcall %}
