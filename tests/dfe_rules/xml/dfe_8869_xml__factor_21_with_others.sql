-- DfE rule 8869: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8869', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        string_agg(assessment_factor_code, ', ') as factors,
        bool_or(assessment_factor_code = '21') as has_21,
        count(*) as factor_records,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment_factor') }}
    group by census_year, la_code, child_pos, cin_details_pos, assessment_pos
)

select
    *,
    '8869: factor 21 (no factors identified) is recorded with other factors: '
    || factors as failure_reason
from checked
where
    has_21 and factor_records > 1
{% endcall %}
