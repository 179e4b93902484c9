{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '2888Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 2888Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: Only one disability code is recorded per child and multiple disabilities
-- should be recorded where possible. Return-level query: no child with a disability has more
-- than one disability code recorded.

with per_child as (
    select
        census_year,
        la_code,
        child_pos,
        count(distinct disability_code) as disability_codes
    from {{ ref('stg_xml__disability') }}
    where disability_code <> 'NONE'
    group by census_year, la_code, child_pos
),

checked as (
    select
        census_year,
        la_code,
        max(disability_codes) as most_codes_for_one_child,
        count(*) as disabled_children,
        count(*) over () as rows_checked
    from per_child
    group by census_year, la_code
)

select
    *,
    '2888Q: none of the '
    || disabled_children
    || ' disabled children has more than one disability recorded' as failure_reason
from checked
where
    most_codes_for_one_child = 1
