-- DfE rule 8870Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8870Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        s47_pos,
        initial_cpc_target_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_target_date is not null
)

select
    *,
    '8870Q: initial CPC target date '
    || {{ dq_text('initial_cpc_target_date') }}
    || ' is a '
    || dayname(initial_cpc_target_date) as failure_reason
from checked
where
    extract(dow from initial_cpc_target_date) in (0, 6)
{% endcall %}
