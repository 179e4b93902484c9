{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8935', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8935 (error; rulesets cin2022_23 to current): This child is showing more than one open
-- Child Protection plan, i.e. with no End Date. A child may have at most one CPP with no end
-- date.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        count(*) filter (where cpp_end_date is null) as open_cpps,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
    group by census_year, la_code, child_pos
)

select
    *,
    '8935: child has ' || open_cpps || ' open child protection plans' as failure_reason
from checked
where
    open_cpps > 1
