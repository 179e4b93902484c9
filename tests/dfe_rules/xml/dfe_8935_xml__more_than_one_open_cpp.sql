-- DfE rule 8935: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8935', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        count(*) filter (where cpp_end_date is null) as open_cpps,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
    group by census_year, la_code, child_pos
)

select
    *,
    '8935: child has ' || open_cpps || ' open child protection plans' as failure_reason
from checked
where
    open_cpps > 1
{% endcall %}
