-- DfE rule 8568: message, summary and severity in seeds/ref_dfe_rules.csv. ReferralNFA is in the
-- NPD from 2009/10 (docs/cin_census.md §3b).

{% call dq_dfe_rule('8568', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where census_year >= 2010
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8568: ReferralNFA is missing or not one of 0, 1, true, false' as failure_reason
from checked
where
    is_referral_nfa is null
{% endcall %}
