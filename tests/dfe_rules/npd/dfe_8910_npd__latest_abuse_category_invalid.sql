{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8910', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8910 (error; rulesets cin2022_23 to current): Latest Category of Abuse code missing or
-- invalid (see Category of Abuse table in CIN Census code set). LatestCategoryOfAbuse must be
-- present and one of NEG, PHY, SAB, EMO, MUL.
-- Initial and latest category of abuse are in the NPD from 2012/13.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        latest_abuse_category_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where census_year >= 2013 and cpp_start_date is not null
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
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
