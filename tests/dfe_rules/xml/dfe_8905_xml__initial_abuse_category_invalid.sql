{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8905', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8905 (error; rulesets cin2022_23 to current): Initial Category of Abuse code missing
-- or invalid (see Category of Abuse table in CIN Census code set). InitialCategoryOfAbuse must be
-- present and one of NEG, PHY, SAB, EMO, MUL.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        initial_abuse_category_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8905: initial category of abuse '
    || {{ dq_text('initial_abuse_category_code') }}
    || ' is missing or not NEG, PHY, SAB, EMO or MUL' as failure_reason
from checked
where
    initial_abuse_category_code is null
    or initial_abuse_category_code not in ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')
