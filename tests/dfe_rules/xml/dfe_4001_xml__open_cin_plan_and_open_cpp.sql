-- DfE rule 4001: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4001', 'xml') %}
with open_plans as (
    select distinct
        census_year,
        la_code,
        child_pos,
        cin_details_pos
    from {{ ref('stg_xml__cin_plan_dates') }}
    where cin_plan_end_date is null
),

checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_start_date,
        open_plans.cin_details_pos is not null as has_open_cin_plan,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    left join open_plans
        on {{ dq_xml_keys_match('open_plans', 'cpp', 'cin_details') }}
    where cpp.cpp_end_date is null
)

select
    *,
    '4001: open CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' runs alongside an open CIN plan' as failure_reason
from checked
where
    has_open_cin_plan
{% endcall %}
