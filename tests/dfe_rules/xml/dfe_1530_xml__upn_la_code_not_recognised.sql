-- DfE rule 1530: message, summary and severity in seeds/ref_dfe_rules.csv. Recognised = any DfE LA
-- code in ref_local_authorities (DfE's pseudo-LA codes are not listed there).

{% call dq_dfe_rule('1530', 'xml') %}
with la_codes as (
    select distinct la_code
    from {{ ref('ref_local_authorities') }}
),

checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.upn,
        substring(child.upn, 2, 3) as upn_la_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    where length(child.upn) = 13
)

select
    *,
    '1530: characters 2-4 of UPN '
    || upn
    || ' ('
    || upn_la_code
    || ') are not a recognised LA code' as failure_reason
from checked
where
    upn_la_code not in (select la_codes.la_code from la_codes)
    -- 2023/24 ruleset: 942 and 943 (Cumbria's successors) allowed from census year 2024
    or (upn_la_code in ('942', '943') and census_year < 2024)
{% endcall %}
