{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8535Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8535Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: Child’s date of death should not be prior to the date of birth.
-- PersonDeathDate should be on or after PersonBirthDate.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        birth_date,
        death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '8535Q: date of death '
    || {{ dq_text('death_date') }}
    || ' is before '
    || {{ dq_text('birth_date') }} as failure_reason
from checked
where
    death_date < birth_date
