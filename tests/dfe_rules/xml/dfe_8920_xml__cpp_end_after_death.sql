{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8920', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8920 (error; rulesets cin2022_23 to current): Child Protection Plan cannot end after
-- the child’s Date of Death. If the child has died, CPP end date must be on or before the death
-- date.

with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        child.la_child_id,
        cpp.cpp_end_date,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('cpp', 'child', 'child') }}
    where child.death_date is not null
)

select
    *,
    '8920: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is after the date of death '
    || {{ dq_text('death_date') }} as failure_reason
from checked
where
    cpp_end_date > death_date
