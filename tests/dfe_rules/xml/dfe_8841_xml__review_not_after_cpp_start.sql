{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8841', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8841 (error; rulesets cin2022_23 to current): The review date cannot be on the same
-- day or before the Child protection Plan start date. A CPP review date must be after the CPP
-- start date.

with checked as (
    select
        review.census_year,
        review.la_code,
        review.child_pos,
        review.cin_details_pos,
        review.cpp_pos,
        review.review_pos,
        review.cpp_review_date,
        cpp.cpp_start_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp_review') }} as review
    inner join {{ ref('stg_xml__cpp') }} as cpp
        on {{ dq_xml_keys_match('cpp', 'review', 'cpp') }}
)

select
    *,
    '8841: CPP review '
    || {{ dq_text('cpp_review_date') }}
    || ' is on or before the CPP start '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    cpp_review_date <= cpp_start_date
