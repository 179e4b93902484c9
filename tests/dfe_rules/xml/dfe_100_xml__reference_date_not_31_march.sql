{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '100', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 100 (error; rulesets cin2022_23 to current): Reference Date is incorrect. Header
-- ReferenceDate must be present and equal 31 March of the Header collection Year.

with checked as (
    select
        return_header.census_year,
        return_header.la_code,
        return_header.reference_date,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__header') }} as return_header
    left join {{ ref('ref_census_years') }} as census
        on return_header.census_year = census.census_year
)

select
    *,
    '100: ReferenceDate '
    || {{ dq_text('reference_date') }}
    || ' is not 31 March of the collection year ('
    || {{ dq_text('period_end') }}
    || ')' as failure_reason
from checked
where
    reference_date is null or reference_date <> period_end
