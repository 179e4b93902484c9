-- DfE rule 8614: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8614', 'xml') %}
with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_pos,
        assessment.assessment_start_date,
        (
            select string_agg(factor.assessment_factor_code, ', ')
            from {{ ref('stg_xml__assessment_factor') }} as factor
            where {{ dq_xml_keys_match('factor', 'assessment', 'assessment') }}
        ) as factors,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    where assessment.assessment_authorisation_date is null
)

select
    *,
    '8614: assessment started '
    || {{ dq_text('assessment_start_date') }}
    || ' is not authorised but has factors '
    || factors as failure_reason
from checked
where
    factors is not null
{% endcall %}
