-- DfE rule 8840: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8840', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        cpp_start_date,
        cpp_end_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8840: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is the same day as '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    cpp_end_date = cpp_start_date
{% endcall %}
