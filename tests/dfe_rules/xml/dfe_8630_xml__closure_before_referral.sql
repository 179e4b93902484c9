-- DfE rule 8630: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8630', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        referral_date,
        closure_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
)

select
    *,
    '8630: closure date '
    || {{ dq_text('closure_date') }}
    || ' is before '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    closure_date < referral_date
{% endcall %}
