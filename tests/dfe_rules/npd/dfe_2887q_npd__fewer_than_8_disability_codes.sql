{{
    config(
        severity='warn',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '2887Q', 'dfe_rule_type': 'query', 'source': 'npd'},
    )
}}

-- DfE rule 2887Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: Less than 8 disability codes have been used in your return. Return-level
-- query: the LA has used 7 or fewer distinct disability codes (excluding NONE).

with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

checked as (
    select
        census_year,
        la_code,
        count(distinct disability_code) filter (
            where disability_code <> 'NONE'
        ) as disability_codes_used,
        count(*) over () as rows_checked
    from disabilities
    group by census_year, la_code
)

select
    *,
    '2887Q: only '
    || disability_codes_used
    || ' distinct disability codes (other than NONE) are used by the LA in the year'
        as failure_reason
from checked
where
    disability_codes_used <= 7
