-- DfE rule 8897Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8897Q', 'xml') %}
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
{% endcall %}
