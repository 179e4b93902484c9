-- DfE rule 8898: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8898', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        assessment_factor_code,
        count(*) as times_recorded,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment_factor') }}
    group by
        census_year, la_code, child_pos, cin_details_pos, assessment_pos, assessment_factor_code
)

select
    *,
    '8898: factor '
    || {{ dq_text('assessment_factor_code') }}
    || ' is recorded '
    || times_recorded
    || ' times for one assessment' as failure_reason
from checked
where
    times_recorded > 1
{% endcall %}
