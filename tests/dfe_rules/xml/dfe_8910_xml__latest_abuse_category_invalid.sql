{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8910', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8910 (error; rulesets cin2022_23 to current): Latest Category of Abuse code missing or
-- invalid (see Category of Abuse table in CIN Census code set). LatestCategoryOfAbuse must be
-- present and one of NEG, PHY, SAB, EMO, MUL.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        latest_abuse_category_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8910: latest category of abuse '
    || {{ dq_text('latest_abuse_category_code') }}
    || ' is missing or not NEG, PHY, SAB, EMO or MUL' as failure_reason
from checked
where
    latest_abuse_category_code is null
    or latest_abuse_category_code not in ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')
