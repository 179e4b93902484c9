-- DfE rule 8500: message, summary and severity in seeds/ref_dfe_rules.csv. Severity error: LA +
-- LAchildID is the child key; without it no child or episode can be built.

{% call dq_dfe_rule('8500', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
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
    '8500: LAchildID is missing (the child cannot be keyed)' as failure_reason
from checked
where
    la_child_id is null or trim(la_child_id) = ''
{% endcall %}
