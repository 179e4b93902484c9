-- DfE rule 2884: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2884', 'xml') %}
with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.s47_pos,
        s47.initial_cpc_date as s47_initial_cpc_date,
        episode.initial_cpc_date as cin_details_initial_cpc_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('s47', 'episode', 'cin_details') }}
    where s47.initial_cpc_date is not null
)

select
    *,
    '2884: initial CPC '
    || {{ dq_text('s47_initial_cpc_date') }}
    || ' is recorded at both the Section47 and the CINdetails level' as failure_reason
from checked
where
    s47_initial_cpc_date = cin_details_initial_cpc_date
{% endcall %}
