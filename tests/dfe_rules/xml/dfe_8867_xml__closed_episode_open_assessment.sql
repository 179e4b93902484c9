-- DfE rule 8867: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8867', 'xml') %}
with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_start_date,
        assessment.assessment_authorisation_date,
        episode.closure_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('assessment', 'episode', 'cin_details') }}
    where episode.closure_date is not null
)

select
    *,
    '8867: episode closed '
    || {{ dq_text('closure_date') }}
    || ' but the assessment started '
    || {{ dq_text('assessment_start_date') }}
    || ' is not authorised' as failure_reason
from checked
where
    assessment_authorisation_date is null
{% endcall %}
