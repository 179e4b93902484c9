{{
    config(
        severity='error',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8500', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8500 (error; rulesets cin2022_23 to current): LA Child ID missing. LAchildID must be
-- present.
-- Severity error: LA + LAchildID is the child key; without it no child or episode can be built.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8500: LAchildID is missing (the child cannot be keyed)' as failure_reason
from checked
where
    la_child_id is null or trim(la_child_id) = ''
