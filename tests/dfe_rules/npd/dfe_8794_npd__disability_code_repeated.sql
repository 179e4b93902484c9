-- DfE rule 8794: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8794', 'npd') %}
with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

checked as (
    select
        census_year,
        la_code,
        la_child_id,
        disability_code,
        count(*) as times_recorded,
        count(*) over () as rows_checked
    from disabilities
    group by census_year, la_code, la_child_id, disability_code
)

select
    *,
    '8794: disability '
    || {{ dq_text('disability_code') }}
    || ' is recorded '
    || times_recorded
    || ' times for one child' as failure_reason
from checked
where
    times_recorded > 1
{% endcall %}
