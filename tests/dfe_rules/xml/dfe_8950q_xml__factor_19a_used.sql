{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8950Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8950Q (query; rulesets cin2024_25 to current): Please check and either amend data or
-- provide a reason: the assessment factors code ’19A’ should not be used (’19B’ or ’19C’ should
-- be used instead). Assessment factor 19A should not be used (use 19B or 19C) (new in 2024/25).
-- New in the 2024/25 ruleset: checked from census year 2025.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        assessment_factor_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment_factor') }}
    where census_year >= 2025
)

select
    *,
    '8950Q: factor 19A should not be used from 2024/25 (19B or 19C instead)' as failure_reason
from checked
where
    assessment_factor_code = '19A'
