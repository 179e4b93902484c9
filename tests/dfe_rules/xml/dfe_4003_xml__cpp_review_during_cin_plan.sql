-- DfE rule 4003: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4003', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

checked as (
    select
        review.census_year,
        review.la_code,
        review.child_pos,
        review.cin_details_pos,
        review.cpp_pos,
        review.review_pos,
        review.cpp_review_date,
        cpp.cpp_end_date,
        (
            select min(plan.cin_plan_start_date)
            from {{ ref('stg_xml__cin_plan_dates') }} as plan
            inner join census
                on plan.census_year = census.census_year
            where
                {{ dq_xml_keys_match('plan', 'review', 'cin_details') }}
                and review.cpp_review_date >= plan.cin_plan_start_date
                and review.cpp_review_date <= coalesce(plan.cin_plan_end_date, census.period_end)
        ) as cin_plan_start_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp_review') }} as review
    inner join {{ ref('stg_xml__cpp') }} as cpp
        on {{ dq_xml_keys_match('cpp', 'review', 'cpp') }}
)

select
    *,
    '4003: CPP review '
    || {{ dq_text('cpp_review_date') }}
    || ' falls inside the CIN plan starting '
    || {{ dq_text('cin_plan_start_date') }} as failure_reason
from checked
where
    cin_plan_start_date is not null and cpp_review_date is distinct from cpp_end_date
{% endcall %}
