-- DfE rule 8945Q: message, summary and severity in seeds/ref_dfe_rules.csv. New in the 2024/25
-- ruleset: checked from census year 2025.

{% call dq_dfe_rule('8945Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        assessment_pos,
        assessment_factor_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment_factor') }}
    where census_year >= 2025
)

select
    *,
    '8945Q: factor 18A should not be used from 2024/25 (18B or 18C instead)' as failure_reason
from checked
where
    assessment_factor_code = '18A'
{% endcall %}
