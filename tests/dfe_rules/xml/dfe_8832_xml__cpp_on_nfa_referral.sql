-- DfE rule 8832: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8832', 'xml') %}
with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_start_date,
        episode.is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('cpp', 'episode', 'cin_details') }}
)

select
    *,
    '8832: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' on a referral with no further action' as failure_reason
from checked
where
    is_referral_nfa
{% endcall %}
