-- DfE rule 8875: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8875', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        s47_pos,
        initial_cpc_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_date is not null
)

select
    *,
    '8875: initial CPC date '
    || {{ dq_text('initial_cpc_date') }}
    || ' is a '
    || dayname(initial_cpc_date) as failure_reason
from checked
where
    extract(dow from initial_cpc_date) in (0, 6)
{% endcall %}
