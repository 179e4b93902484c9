-- DfE rule 8910: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8910', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        latest_abuse_category_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8910: latest category of abuse '
    || {{ dq_text('latest_abuse_category_code') }}
    || ' is missing or not NEG, PHY, SAB, EMO or MUL' as failure_reason
from checked
where
    latest_abuse_category_code is null
    or latest_abuse_category_code not in ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')
{% endcall %}
