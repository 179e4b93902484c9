-- DfE rule 1105: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1105', 'xml') %}
with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('cpp', 'episode', 'cin_details') }}
)

select
    *,
    '1105: CPP start date '
    || {{ dq_text('cpp_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    cpp_start_date < referral_date
{% endcall %}
