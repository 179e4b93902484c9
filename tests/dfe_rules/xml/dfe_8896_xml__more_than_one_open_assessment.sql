-- DfE rule 8896: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8896', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) filter (where assessment_authorisation_date is null) as open_assessments,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }}
    group by census_year, la_code, child_pos, cin_details_pos
)

select
    *,
    '8896: episode has ' || open_assessments || ' open (unauthorised) assessments' as failure_reason
from checked
where
    open_assessments > 1
{% endcall %}
