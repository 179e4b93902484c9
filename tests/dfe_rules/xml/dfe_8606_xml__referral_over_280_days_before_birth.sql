{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8606', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8606 (error; rulesets cin2022_23 to current): Child referral date is more than 40
-- weeks before DOB or expected DOB. CIN referral date cannot be more than 280 days before the
-- (expected) date of birth.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        child.la_child_id,
        episode.referral_date,
        coalesce(child.birth_date, child.expected_birth_date) as birth_or_expected_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
)

select
    *,
    '8606: referral '
    || {{ dq_text('referral_date') }}
    || ' is more than 40 weeks before the (expected) date of birth '
    || {{ dq_text('birth_or_expected_date') }} as failure_reason
from checked
where
    referral_date < birth_or_expected_date - interval 280 day
