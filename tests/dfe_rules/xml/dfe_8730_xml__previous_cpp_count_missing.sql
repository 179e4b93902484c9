{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8730', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8730 (error; rulesets cin2022_23 to current): Total Number of previous Child
-- Protection Plans missing. Where a CPP exists, NumberOfPreviousCPP must be present and >= 0.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        previous_cpp_count,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8730: number of previous CPPs '
    || {{ dq_text('previous_cpp_count') }}
    || ' is missing or negative' as failure_reason
from checked
where
    previous_cpp_count is null or previous_cpp_count < 0
