-- DfE rule 8805: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8805', 'xml') %}
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
    where closure_date is not null
)

select
    *,
    '8805: episode closed '
    || {{ dq_text('closure_date') }}
    || ' has no reason for closure' as failure_reason
from checked
where
    closure_reason_code is null
{% endcall %}
