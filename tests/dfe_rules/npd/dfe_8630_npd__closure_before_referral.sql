-- DfE rule 8630: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8630', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        closure_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8630: closure date '
    || {{ dq_text('closure_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    closure_date < referral_date
{% endcall %}
