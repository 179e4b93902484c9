-- DfE rule 8585Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8585Q', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        child.la_child_id,
        episode.closure_reason_code,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
    where episode.closure_reason_code = 'RC2'
)

select
    *,
    '8585Q: episode closed RC2 (died) but the child has no date of death' as failure_reason
from checked
where
    death_date is null
{% endcall %}
