-- DfE rule 8615: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8615', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        s47_pos,
        s47_start_date,
        initial_cpc_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_date is not null
)

select
    *,
    '8615: section 47 start '
    || {{ dq_text('s47_start_date') }}
    || ' is missing or after its initial CPC '
    || {{ dq_text('initial_cpc_date') }} as failure_reason
from checked
where
    s47_start_date is null or s47_start_date > initial_cpc_date
{% endcall %}
