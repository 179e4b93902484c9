{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '1104', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 1104 (error; rulesets cin2022_23 to current): The date of the initial child protection
-- conference cannot be before the referral date. Section 47 initial child protection conference
-- date must be on or after the CIN referral date.

with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.initial_cpc_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('s47', 'episode', 'cin_details') }}
)

select
    *,
    '1104: section 47 initial CPC date '
    || {{ dq_text('initial_cpc_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    initial_cpc_date < referral_date
