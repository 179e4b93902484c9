-- DfE rule 8816: message, summary and severity in seeds/ref_dfe_rules.csv. From 2009/10: the NPD
-- has no closure date before (every 2008/09 episode would look open).

{% call dq_dfe_rule('8816', 'npd') %}
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

latest as (
    select
        *,
        max(referral_date) over (
            partition by census_year, la_code, la_child_id
        ) as latest_referral_date
    from episodes
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from latest
    where closure_date is null and not coalesce(is_referral_nfa, false)
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
