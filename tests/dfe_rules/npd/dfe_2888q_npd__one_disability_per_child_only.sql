{{
    config(
        severity='warn',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '2888Q', 'dfe_rule_type': 'query', 'source': 'npd'},
    )
}}

-- DfE rule 2888Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: Only one disability code is recorded per child and multiple disabilities
-- should be recorded where possible. Return-level query: no child with a disability has more
-- than one disability code recorded.

with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

per_child as (
    select
        census_year,
        la_code,
        la_child_id,
        count(distinct disability_code) as disability_codes
    from disabilities
    where disability_code <> 'NONE'
    group by census_year, la_code, la_child_id
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
    || ' disabled children of the LA has more than one disability' as failure_reason
from checked
where
    most_codes_for_one_child = 1
