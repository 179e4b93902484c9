-- DfE rule 8770Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8770Q', 'xml') %}
with non_nfa_children as (
    select distinct
        census_year,
        la_code,
        child_pos
    from {{ ref('stg_xml__cin_details') }}
    where not coalesce(is_referral_nfa, false)
),

checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.birth_date,
        child.upn,
        child.upn_unknown_code,
        -- to 2023/24: born on or before ReferenceDate minus 6 years; from 2024/25: school
        -- age, born on or before 31 August of the ReferenceDate's year minus 6
        case
            when child.census_year >= 2025 then make_date(child.census_year - 6, 8, 31)
            else census.period_end - interval 6 year
        end as born_by,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join non_nfa_children
        on {{ dq_xml_keys_match('non_nfa_children', 'child', 'child') }}
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
)

select
    *,
    '8770Q: child born '
    || {{ dq_text('birth_date') }}
    || ' is of school age but has no UPN and UPNunknown '
    || {{ dq_text('upn_unknown_code') }} as failure_reason
from checked
where
    birth_date <= born_by
    and upn is null
    and (
        upn_unknown_code is null
        or upn_unknown_code not in ('UN2', 'UN3', 'UN4', 'UN5', 'UN6', 'UN7')
    )
{% endcall %}
