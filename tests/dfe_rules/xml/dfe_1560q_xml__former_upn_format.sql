-- DfE rule 1560Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1560Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        former_upn,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where former_upn is not null
)

select
    *,
    '1560Q: FormerUPN ' || former_upn || ' is not a letter followed by 12 digits' as failure_reason
from checked
where
    not regexp_full_match(former_upn, '[A-Z][0-9]{12}')
{% endcall %}
