{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8525Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8525Q (query; rulesets cin2022_23 to current): Either Date of Birth or Expected Date
-- of Birth must be provided (but not both). Exactly one of PersonBirthDate and
-- ExpectedPersonBirthDate should be provided (flags rows with neither or both).

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        birth_date,
        expected_birth_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '8525Q: date of birth '
    || {{ dq_text('birth_date') }}
    || ' and expected date of birth '
    || {{ dq_text('expected_birth_date') }}
    || ': exactly one is expected' as failure_reason
from checked
where
    (birth_date is null) = (expected_birth_date is null)
