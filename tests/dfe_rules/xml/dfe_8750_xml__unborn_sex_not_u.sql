{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8750', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8750 (error; rulesets cin2022_23 to current): Sex must equal U for an unborn child. An
-- unborn child (expected DOB present, DOB blank) must have Sex = U.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        sex,
        expected_birth_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where birth_date is null and expected_birth_date is not null
)

select
    *,
    '8750: unborn child (expected '
    || {{ dq_text('expected_birth_date') }}
    || ') has sex '
    || {{ dq_text('sex') }}
    || ', expected U (GenderCurrent 0)' as failure_reason
from checked
where
    sex is distinct from 'U'
