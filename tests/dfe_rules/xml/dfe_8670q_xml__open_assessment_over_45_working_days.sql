-- DfE rule 8670Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8670Q', 'xml') %}
with cutoffs as (
    {{ dq_working_day_cutoffs(45) }}
),

checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_start_date,
        cutoffs.cutoff_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join cutoffs
        on assessment.census_year = cutoffs.census_year
    where assessment.assessment_authorisation_date is null
)

select
    *,
    '8670Q: open assessment started '
    || {{ dq_text('assessment_start_date') }}
    || ', more than 45 working days before the end of the census year' as failure_reason
from checked
where
    assessment_start_date < cutoff_date
{% endcall %}
