{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1550', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1550 (error; rulesets cin2022_23 to current): UPN invalid (character 13 not a
-- recognised value). Where a 13-character UPN is present, character 13 must be a digit or a
-- letter A-Z excluding I, O and S.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        upn,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where length(upn) = 13
)

select
    *,
    '1550: character 13 of UPN '
    || upn
    || ' is not a digit or a letter other than I, O, S' as failure_reason
from checked
where
    not regexp_full_match(substring(upn, 13, 1), '[0-9A-HJ-NPQR-Z]')
