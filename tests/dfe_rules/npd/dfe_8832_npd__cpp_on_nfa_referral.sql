-- DfE rule 8832: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8832', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        is_referral_nfa,
        cpp_start_date,
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
    '8832: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' on a referral with no further action' as failure_reason
from checked
where
    cpp_start_date is not null
{% endcall %}
