-- DfE rule 8831: message, summary and severity in seeds/ref_dfe_rules.csv. NPD has no assessments
-- or section 47s: only the CINdetails initial CPC date can be checked.

{% call dq_dfe_rule('8831', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        is_referral_nfa,
        initial_cpc_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where is_referral_nfa
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8831: referral with no further action has an initial CPC date '
    || {{ dq_text('initial_cpc_date') }} as failure_reason
from checked
where
    initial_cpc_date is not null
{% endcall %}
