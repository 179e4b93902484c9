-- DfE rule 1530: message, summary and severity in seeds/ref_dfe_rules.csv. Recognised = a code of
-- DfE's list for the rule (seeds/ref_dfe_upn_la_codes.csv): every post-1998 LA code and DfE's
-- pseudo-LA codes (001-005, 660-681, 701-708), which are no LA of ref_local_authorities; 942 and
-- 943 (Cumbria's successors) from census year 2024, as the 2023/24 ruleset adds them.

{% call dq_dfe_rule('1530', 'xml') %}
with checked as (
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
    || ') are not a recognised LA or pseudo-LA code' as failure_reason
from checked
where
    not exists (
        select 1
        from {{ ref('ref_dfe_upn_la_codes') }} as allowed
        where
            allowed.upn_la_code = checked.upn_la_code
            and coalesce(allowed.allowed_from_census_year, 0) <= checked.census_year
    )
{% endcall %}
