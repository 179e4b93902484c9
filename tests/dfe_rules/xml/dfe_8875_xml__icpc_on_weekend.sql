{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8875', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8875 (error; rulesets cin2022_23 to current): The Date of Initial Child Protection
-- Conference cannot be a weekend. The initial CPC date should not be a Saturday or Sunday.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        s47_pos,
        initial_cpc_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_date is not null
)

select
    *,
    '8875: initial CPC date '
    || {{ dq_text('initial_cpc_date') }}
    || ' is a '
    || dayname(initial_cpc_date) as failure_reason
from checked
where
    extract(dow from initial_cpc_date) in (0, 6)
