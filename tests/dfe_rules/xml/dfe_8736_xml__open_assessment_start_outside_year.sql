-- DfE rule 8736: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8736', 'xml') %}
with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_start_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join {{ ref('ref_census_years') }} as census
        on assessment.census_year = census.census_year
    where assessment.assessment_authorisation_date is null
)

select
    *,
    '8736: start date of an unauthorised assessment '
    || {{ dq_text('assessment_start_date') }}
    || ' is outside the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    assessment_start_date not between period_start and period_end
{% endcall %}
