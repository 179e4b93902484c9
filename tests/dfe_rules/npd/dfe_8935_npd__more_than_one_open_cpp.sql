-- DfE rule 8935: message, summary and severity in seeds/ref_dfe_rules.csv. Plans: distinct CPP
-- start dates of a child in the year. From 2012/13: the NPD has no CPP end date before (every
-- earlier plan would look open).

{% call dq_dfe_rule('8935', 'npd') %}
with plans as (
    select distinct
        census_year,
        la_child_id,
        cpp_start_date,
        cpp_end_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where cpp_start_date is not null and census_year >= 2013
),

checked as (
    select
        census_year,
        la_code,
        la_child_id,
        count(*) filter (where cpp_end_date is null) as open_cpps,
        count(*) over () as rows_checked
    from plans
    group by census_year, la_code, la_child_id
)

select
    *,
    '8935: child has ' || open_cpps || ' open child protection plans' as failure_reason
from checked
where
    open_cpps > 1
{% endcall %}
