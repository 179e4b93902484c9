{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8730', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8730 (error; rulesets cin2022_23 to current): Total Number of previous Child
-- Protection Plans missing. Where a CPP exists, NumberOfPreviousCPP must be present and >= 0.
-- NumberOfPreviousCPP is in the NPD for 2008/09 and from 2012/13; checked from 2012/13.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        previous_cpp_count,
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
    '8730: number of previous CPPs '
    || {{ dq_text('previous_cpp_count') }}
    || ' is missing or negative for the CPP starting '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    previous_cpp_count is null or previous_cpp_count < 0
