-- DfE rule 8730: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8730', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        previous_cpp_count,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8730: number of previous CPPs '
    || {{ dq_text('previous_cpp_count') }}
    || ' is missing or negative' as failure_reason
from checked
where
    previous_cpp_count is null or previous_cpp_count < 0
{% endcall %}
