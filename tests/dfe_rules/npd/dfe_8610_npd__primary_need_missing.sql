-- DfE rule 8610: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8610', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        primary_need_code,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where is_referral_nfa = false
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8610: referral going on to further action has no primary need code' as failure_reason
from checked
where
    primary_need_code is null
{% endcall %}
