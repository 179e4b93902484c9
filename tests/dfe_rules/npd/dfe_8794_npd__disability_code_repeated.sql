{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8794', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8794 (error; rulesets cin2022_23 to current): Child has two or more disabilities with
-- the same code. A child must not have the same disability code recorded more than once.

with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

checked as (
    select
        census_year,
        la_code,
        la_child_id,
        disability_code,
        count(*) as times_recorded,
        count(*) over () as rows_checked
    from disabilities
    group by census_year, la_code, la_child_id, disability_code
)

select
    *,
    '8794: disability '
    || {{ dq_text('disability_code') }}
    || ' is recorded '
    || times_recorded
    || ' times for one child' as failure_reason
from checked
where
    times_recorded > 1
