-- DfE rule 8825Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8825Q', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_reason_code,
        exists(
            select 1
            from {{ ref('stg_xml__assessment') }} as assessment
            where {{ dq_xml_keys_match('assessment', 'episode', 'cin_details') }}
        ) as has_assessment,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    where episode.closure_reason_code in ('RC8', 'RC9')
)

select
    *,
    '8825Q: episode closed '
    || closure_reason_code
    || ' (after assessment) has no assessment' as failure_reason
from checked
where
    not has_assessment
{% endcall %}
