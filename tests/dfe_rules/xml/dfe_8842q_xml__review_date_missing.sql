{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8842Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8842Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: Review Record has a missing date. A Reviews group should contain a
-- CPPreviewDate.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        review_pos,
        cpp_review_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp_review') }}
)

select
    *,
    '8842Q: CPP review record has no date' as failure_reason
from checked
where
    cpp_review_date is null
