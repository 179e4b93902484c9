-- DfE rule 8810: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8810', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        closure_date,
        closure_reason_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    where closure_reason_code is not null
)

select
    *,
    '8810: reason for closure '
    || closure_reason_code
    || ' without a closure date' as failure_reason
from checked
where
    closure_date is null
{% endcall %}
