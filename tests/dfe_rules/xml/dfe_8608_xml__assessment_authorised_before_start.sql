-- DfE rule 8608: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8608', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        assessment_start_date,
        assessment_authorisation_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }}
)

select
    *,
    '8608: assessment authorisation date '
    || {{ dq_text('assessment_authorisation_date') }}
    || ' is before '
    || {{ dq_text('assessment_start_date') }} as failure_reason
from checked
where
    assessment_authorisation_date < assessment_start_date
{% endcall %}
