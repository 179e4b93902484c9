-- DfE rule 4004: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4004', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) filter (where cin_plan_end_date is null) as open_cin_plans,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }}
    group by census_year, la_code, child_pos, cin_details_pos
)

select
    *,
    '4004: episode has ' || open_cin_plans || ' open CIN plans (no end date)' as failure_reason
from checked
where
    open_cin_plans > 1
{% endcall %}
