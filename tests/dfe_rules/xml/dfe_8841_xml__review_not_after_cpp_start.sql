-- DfE rule 8841: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8841', 'xml') %}
with checked as (
    select
        review.census_year,
        review.la_code,
        review.child_pos,
        review.cin_details_pos,
        review.cpp_pos,
        review.review_pos,
        review.cpp_review_date,
        cpp.cpp_start_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp_review') }} as review
    inner join {{ ref('stg_xml__cpp') }} as cpp
        on {{ dq_xml_keys_match('cpp', 'review', 'cpp') }}
)

select
    *,
    '8841: CPP review '
    || {{ dq_text('cpp_review_date') }}
    || ' is on or before the CPP start '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    cpp_review_date <= cpp_start_date
{% endcall %}
