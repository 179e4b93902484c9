{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1520', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1520 (error; rulesets cin2022_23 to current): More than one record with the same UPN.
-- UPN must be unique across all children in the return.

with checked as (
    select
        census_year,
        la_code,
        upn,
        count(*) as children_with_upn,
        string_agg(la_child_id, ', ') as la_child_ids,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where upn is not null
    group by census_year, la_code, upn
)

select
    *,
    '1520: UPN '
    || upn
    || ' is held by '
    || children_with_upn
    || ' children: '
    || {{ dq_text('la_child_ids') }} as failure_reason
from checked
where
    children_with_upn > 1
