-- DfE rule 8840: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8840', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        cpp_end_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8840: CPP starts and ends on ' || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    cpp_end_date = cpp_start_date
{% endcall %}
