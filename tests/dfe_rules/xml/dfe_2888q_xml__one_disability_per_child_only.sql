-- DfE rule 2888Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2888Q', 'xml') %}
with per_child as (
    select
        census_year,
        la_code,
        child_pos,
        count(distinct disability_code) as disability_codes
    from {{ ref('stg_xml__disability') }}
    where disability_code <> 'NONE'
    group by census_year, la_code, child_pos
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
    || ' disabled children has more than one disability recorded' as failure_reason
from checked
where
    most_codes_for_one_child = 1
{% endcall %}
