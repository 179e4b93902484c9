-- DfE rule 4012Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4012Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cin_plan_pos,
        cin_plan_start_date,
        cin_plan_end_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }}
)

select
    *,
    '4012Q: CIN plan end date '
    || {{ dq_text('cin_plan_end_date') }}
    || ' is the same day as '
    || {{ dq_text('cin_plan_start_date') }} as failure_reason
from checked
where
    cin_plan_end_date = cin_plan_start_date
{% endcall %}
