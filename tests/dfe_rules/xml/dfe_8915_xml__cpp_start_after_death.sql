{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8915', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8915 (error; rulesets cin2022_23 to current): Child Protection Plan shown as starting
-- after the child’s Date of Death. CPP start date must be on or before the child's death date.

with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        child.la_child_id,
        cpp.cpp_start_date,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('cpp', 'child', 'child') }}
    where child.death_date is not null
)

select
    *,
    '8915: CPP start date '
    || {{ dq_text('cpp_start_date') }}
    || ' is after the date of death '
    || {{ dq_text('death_date') }} as failure_reason
from checked
where
    cpp_start_date > death_date
