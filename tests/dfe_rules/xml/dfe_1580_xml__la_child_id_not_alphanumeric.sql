-- DfE rule 1580: message, summary and severity in seeds/ref_dfe_rules.csv. New in the 2024/25
-- ruleset: checked from census year 2025.

{% call dq_dfe_rule('1580', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where census_year >= 2025
)

select
    *,
    '1580: LAchildID '
    || la_child_id
    || ' contains a character that is not a letter or digit' as failure_reason
from checked
where
    not regexp_full_match(la_child_id, '[A-Za-z0-9]+')
{% endcall %}
