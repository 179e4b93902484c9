-- DfE rule 8815: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8815', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        count(*) filter (
            where closure_date is null and not coalesce(is_referral_nfa, false)
        ) as open_episodes,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    group by census_year, la_code, child_pos
)

select
    *,
    '8815: child has '
    || open_episodes
    || ' open episodes that are not referrals with no further action' as failure_reason
from checked
where
    open_episodes > 1
{% endcall %}
