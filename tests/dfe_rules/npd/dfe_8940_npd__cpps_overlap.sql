-- DfE rule 8940: message, summary and severity in seeds/ref_dfe_rules.csv. From 2012/13: the NPD
-- has no CPP end date before (every earlier plan would look open).

{% call dq_dfe_rule('8940', 'npd') %}
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

spans as (
    select
        plans.*,
        coalesce(plans.cpp_end_date, census.period_end) as span_end
    from plans
    inner join {{ ref('ref_census_years') }} as census
        on plans.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.la_child_id,
        this.cpp_start_date,
        this.cpp_end_date,
        (
            select min(other.cpp_start_date)
            from spans as other
            where
                other.census_year = this.census_year
                and other.la_code = this.la_code
                and other.la_child_id = this.la_child_id
                and other.cpp_start_date <> this.cpp_start_date
                and this.cpp_start_date >= other.cpp_start_date
                and this.cpp_start_date < other.span_end
        ) as overlapped_start_date,
        count(*) over () as rows_checked
    from spans as this
)

select
    *,
    '8940: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' starts within the CPP starting '
    || {{ dq_text('overlapped_start_date') }} as failure_reason
from checked
where
    overlapped_start_date is not null
{% endcall %}
