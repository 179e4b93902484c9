{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '2884', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 2884 (error; rulesets cin2022_23 to current): An initial child protection conference
-- is recorded at both the S47 and CIN Details level and it should only be recorded in one. An
-- initial CPC date must not be recorded identically at both the Section47 and CINdetails level
-- for a child.

with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.s47_pos,
        s47.initial_cpc_date as s47_initial_cpc_date,
        episode.initial_cpc_date as cin_details_initial_cpc_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('s47', 'episode', 'cin_details') }}
    where s47.initial_cpc_date is not null
)

select
    *,
    '2884: initial CPC '
    || {{ dq_text('s47_initial_cpc_date') }}
    || ' is recorded at both the Section47 and the CINdetails level' as failure_reason
from checked
where
    s47_initial_cpc_date = cin_details_initial_cpc_date
