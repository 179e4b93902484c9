{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1560Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 1560Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: Former UPN wrongly formatted. Where present, FormerUPN should be 13
-- characters: a leading letter followed by 12 digits.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        former_upn,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where former_upn is not null
)

select
    *,
    '1560Q: FormerUPN ' || former_upn || ' is not a letter followed by 12 digits' as failure_reason
from checked
where
    not regexp_full_match(former_upn, '[A-Z][0-9]{12}')
