-- DfE rule 8815: message, summary and severity in seeds/ref_dfe_rules.csv. Episodes: distinct
-- referrals of a child in the year (a referral with two CPPs is two NPD rows). From 2009/10: the
-- NPD has no closure date before (every 2008/09 episode would look open).

{% call dq_dfe_rule('8815', 'npd') %}
with episodes as (
    select distinct
        census_year,
        la_child_id,
        referral_date,
        closure_date,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where referral_date is not null and census_year >= 2010
),

checked as (
    select
        census_year,
        la_code,
        la_child_id,
        count(*) filter (
            where closure_date is null and not coalesce(is_referral_nfa, false)
        ) as open_episodes,
        count(*) over () as rows_checked
    from episodes
    group by census_year, la_code, la_child_id
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
