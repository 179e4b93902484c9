-- DfE rule 8842Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8842Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        review_pos,
        cpp_review_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp_review') }}
)

select
    *,
    '8842Q: CPP review record has no date' as failure_reason
from checked
where
    cpp_review_date is null
{% endcall %}
