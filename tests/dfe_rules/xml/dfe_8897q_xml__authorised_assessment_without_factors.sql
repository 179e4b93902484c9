{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8897Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8897Q (query; rulesets cin2022_23 to current): Parental or child factors at assessment
-- information is missing from a completed assessment. An assessment authorised on/after the
-- census year start should have at least one valid assessment factor code.

with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_authorisation_date,
        exists(
            select 1
            from {{ ref('stg_xml__assessment_factor') }} as factor
            where
                {{ dq_xml_keys_match('factor', 'assessment', 'assessment') }}
                and factor.assessment_factor_code is not null
        ) as has_factor,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join {{ ref('ref_census_years') }} as census
        on assessment.census_year = census.census_year
    where assessment.assessment_authorisation_date >= census.period_start
)

select
    *,
    '8897Q: assessment authorised '
    || {{ dq_text('assessment_authorisation_date') }}
    || ' has no assessment factor' as failure_reason
from checked
where
    not has_factor
