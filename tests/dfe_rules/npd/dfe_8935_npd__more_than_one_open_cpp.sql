{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8935', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8935 (error; rulesets cin2022_23 to current): This child is showing more than one open
-- Child Protection plan, i.e. with no End Date. A child may have at most one CPP with no end
-- date.
-- Plans: distinct CPP start dates of a child in the year.
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
