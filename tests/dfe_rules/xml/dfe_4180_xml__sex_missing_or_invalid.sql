-- DfE rule 4180: message, summary and severity in seeds/ref_dfe_rules.csv. sex is staging's
-- conformed column: GenderCurrent (to 2024) and Sex (from 2025) mapped to M/F/U.

{% call dq_dfe_rule('4180', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        sex,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '4180: sex ' || {{ dq_text('sex') }} || ' is missing or not M, F or U' as failure_reason
from checked
where
    sex is null or sex not in ('M', 'F', 'U')
{% endcall %}
