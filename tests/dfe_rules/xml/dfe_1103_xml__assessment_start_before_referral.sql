-- DfE rule 1103: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1103', 'xml') %}
with checked as (
    select
        assessment.census_year,
        assessment.la_code,
        assessment.child_pos,
        assessment.cin_details_pos,
        assessment.assessment_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('assessment', 'episode', 'cin_details') }}
)

select
    *,
    '1103: assessment start date '
    || {{ dq_text('assessment_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    assessment_start_date < referral_date
{% endcall %}
