{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '2889', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 2889 (error; rulesets cin2022_23 to current): The S47 start date cannot be before the
-- referral date. Section 47 start date must be on or after the CIN referral date of the same
-- episode.

with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.s47_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('s47', 'episode', 'cin_details') }}
)

select
    *,
    '2889: section 47 start date '
    || {{ dq_text('s47_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    s47_start_date < referral_date
