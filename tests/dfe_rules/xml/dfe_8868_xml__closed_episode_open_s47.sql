-- DfE rule 8868: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8868', 'xml') %}
with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.s47_pos,
        s47.s47_start_date,
        s47.initial_cpc_date,
        s47.is_icpc_not_required,
        episode.closure_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('s47', 'episode', 'cin_details') }}
    where episode.closure_date is not null
)

select
    *,
    '8868: episode closed '
    || {{ dq_text('closure_date') }}
    || ' but the section 47 started '
    || {{ dq_text('s47_start_date') }}
    || ' has no initial CPC and ICPCnotRequired is not true' as failure_reason
from checked
where
    initial_cpc_date is null and not coalesce(is_icpc_not_required, false)
{% endcall %}
