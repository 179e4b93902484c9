-- DfE rule 8590: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8590', 'xml') %}
with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        exists(
            select 1
            from {{ ref('stg_xml__cin_details') }} as episode
            where {{ dq_xml_keys_match('episode', 'child', 'child') }}
        ) as has_episode,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
)

select
    *,
    '8590: child '
    || coalesce(la_child_id, '(no LAchildID)')
    || ' has no CINdetails episode' as failure_reason
from checked
where
    not has_episode
{% endcall %}
