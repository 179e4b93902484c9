{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1570', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1570 (error; rulesets cin2024_25 to current): LA Child ID must not be longer than 20
-- characters. LAchildID must not be longer than 20 characters (new in 2024/25).
-- New in the 2024/25 ruleset: checked from census year 2025.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where census_year >= 2025
)

select
    *,
    '1570: LAchildID ' || la_child_id || ' is longer than 20 characters' as failure_reason
from checked
where
    length(la_child_id) > 20
