-- DfE rule 8772: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8772', 'xml') %}
with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        (
            select count(*)
            from {{ ref('stg_xml__cin_details') }} as episode
            where
                {{ dq_xml_keys_match('episode', 'child', 'child') }}
                and not coalesce(episode.is_referral_nfa, false)
        ) as episodes_not_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    where child.upn_unknown_code = 'UN7'
)

select
    *,
    '8772: UPNunknown is UN7 (referral with no further action) but '
    || episodes_not_nfa
    || ' episodes go on to further action' as failure_reason
from checked
where
    episodes_not_nfa > 0
{% endcall %}
