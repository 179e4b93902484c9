{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1540', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1540 (error; rulesets cin2022_23 to current): UPN invalid (characters 5-12 not all
-- numeric). Where UPN is present, characters 5-12 must be digits.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        upn,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where upn is not null
)

select
    *,
    '1540: characters 5-12 of UPN ' || upn || ' are not all digits' as failure_reason
from checked
where
    not regexp_full_match(substring(upn, 5, 8), '[0-9]{8}')
