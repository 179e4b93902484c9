-- DfE rule 1520: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1520', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        upn,
        count(*) as children_with_upn,
        string_agg(la_child_id, ', ') as la_child_ids,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where upn is not null
    group by census_year, la_code, upn
)

select
    *,
    '1520: UPN '
    || upn
    || ' is held by '
    || children_with_upn
    || ' children: '
    || {{ dq_text('la_child_ids') }} as failure_reason
from checked
where
    children_with_upn > 1
{% endcall %}
