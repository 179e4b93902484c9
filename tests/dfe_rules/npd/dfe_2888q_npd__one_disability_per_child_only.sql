-- DfE rule 2888Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2888Q', 'npd') %}
with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

per_child as (
    select
        census_year,
        la_code,
        la_child_id,
        count(distinct disability_code) as disability_codes
    from disabilities
    where disability_code <> 'NONE'
    group by census_year, la_code, la_child_id
),

checked as (
    select
        census_year,
        la_code,
        max(disability_codes) as most_codes_for_one_child,
        count(*) as disabled_children,
        count(*) over () as rows_checked
    from per_child
    group by census_year, la_code
)

select
    *,
    '2888Q: none of the '
    || disabled_children
    || ' disabled children of the LA has more than one disability' as failure_reason
from checked
where
    most_codes_for_one_child = 1
{% endcall %}
