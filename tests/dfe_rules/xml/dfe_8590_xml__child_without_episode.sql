{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8590', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8590 (error; rulesets cin2022_23 to current): Child does not have a recorded CIN
-- episode. Each child must have at least one CINdetails episode.

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
