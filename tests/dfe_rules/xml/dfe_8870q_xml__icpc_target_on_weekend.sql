{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8870Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8870Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: The Target Date for Initial Child Protection Conference should not be a
-- weekend. The initial CPC target date should not be a Saturday or Sunday.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        s47_pos,
        initial_cpc_target_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_target_date is not null
)

select
    *,
    '8870Q: initial CPC target date '
    || {{ dq_text('initial_cpc_target_date') }}
    || ' is a '
    || dayname(initial_cpc_target_date) as failure_reason
from checked
where
    extract(dow from initial_cpc_target_date) in (0, 6)
