-- DfE rule 8816: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8816', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        referral_date,
        max(referral_date) over (
            partition by census_year, la_code, child_pos
        ) as latest_referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    where true
    qualify closure_date is null and not coalesce(is_referral_nfa, false)
)

select
    *,
    '8816: open episode referred '
    || {{ dq_text('referral_date') }}
    || ' is not the latest (latest referral '
    || {{ dq_text('latest_referral_date') }}
    || ')' as failure_reason
from checked
where
    referral_date < latest_referral_date
{% endcall %}
