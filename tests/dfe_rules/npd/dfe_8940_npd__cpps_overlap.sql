{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8940', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8940 (error; rulesets cin2022_23 to current): Child Protection Plan data contains
-- overlapping dates. A child's CPPs must not overlap (a CPP start may not fall within another
-- CPP's start-end or start-ReferenceDate span).
-- From 2012/13: the NPD has no CPP end date before (every earlier plan would look open).

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
