{{
    config(
        severity='error',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8500', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8500 (error; rulesets cin2022_23 to current): LA Child ID missing. LAchildID must be
-- present.
-- Severity error: LA + LAchildID is the child key; without it no child or episode can be built.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '8500: LAchildID is missing (the child cannot be keyed)' as failure_reason
from checked
where
    la_child_id is null or trim(la_child_id) = ''
