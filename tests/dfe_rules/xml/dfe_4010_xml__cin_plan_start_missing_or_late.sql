-- DfE rule 4010: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4010', 'xml') %}
with checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        plan.cin_details_pos,
        plan.cin_plan_pos,
        plan.cin_plan_start_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
    inner join {{ ref('ref_census_years') }} as census
        on plan.census_year = census.census_year
)

select
    *,
    '4010: CIN plan start date '
    || {{ dq_text('cin_plan_start_date') }}
    || ' is missing or after the end of the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    cin_plan_start_date > period_end or cin_plan_start_date is null
{% endcall %}
