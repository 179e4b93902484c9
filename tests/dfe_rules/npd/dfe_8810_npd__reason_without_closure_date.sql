-- DfE rule 8810: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8810', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        closure_date,
        closure_reason_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_reason_code is not null
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8810: reason for closure '
    || closure_reason_code
    || ' without a closure date' as failure_reason
from checked
where
    closure_date is null
{% endcall %}
