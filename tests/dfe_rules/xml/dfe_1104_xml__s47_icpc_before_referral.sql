-- DfE rule 1104: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1104', 'xml') %}
with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.initial_cpc_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('s47', 'episode', 'cin_details') }}
)

select
    *,
    '1104: section 47 initial CPC date '
    || {{ dq_text('initial_cpc_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    initial_cpc_date < referral_date
{% endcall %}
