{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8794', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8794 (error; rulesets cin2022_23 to current): Child has two or more disabilities with
-- the same code. A child must not have the same disability code recorded more than once.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        disability_code,
        count(*) as times_recorded,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__disability') }}
    group by census_year, la_code, child_pos, disability_code
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
