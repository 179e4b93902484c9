{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1580', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1580 (error; rulesets cin2024_25 to current): LA Child ID must not contain any non-
-- alphanumeric characters. LAchildID must contain only alphanumeric characters (new in 2024/25).
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
    '1580: LAchildID '
    || la_child_id
    || ' contains a character that is not a letter or digit' as failure_reason
from checked
where
    not regexp_full_match(la_child_id, '[A-Za-z0-9]+')
