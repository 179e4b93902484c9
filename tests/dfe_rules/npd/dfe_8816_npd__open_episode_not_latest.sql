-- DfE rule 8816: message, summary and severity in seeds/ref_dfe_rules.csv. From 2009/10: the NPD
-- has no closure date before (every 2008/09 episode would look open). The check, an open
-- episode referred before the latest referral of its child-year, is computed with 8815's and
-- 8820's in one pass over the NPD: the model dq_npd_episode_order. The rule checks the NPD
-- (stg_npd__cin, named first: `cin dq` counts its rows per census year and LA).
-- depends_on: {{ ref('stg_npd__cin') }}

{% call dq_dfe_rule('8816', 'npd') %}
select
    census_year,
    la_child_id,
    referral_date,
    closure_date,
    is_referral_nfa,
    la_code,
    latest_referral_date,
    open_episodes_checked as rows_checked,
    '8816: open episode referred '
    || {{ dq_text('referral_date') }}
    || ' is not the latest (latest referral '
    || {{ dq_text('latest_referral_date') }}
    || ')' as failure_reason
from {{ ref('dq_npd_episode_order') }}
where is_open and referral_date < latest_referral_date
{% endcall %}
