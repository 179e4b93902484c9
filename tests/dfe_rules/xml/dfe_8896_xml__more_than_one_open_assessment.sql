{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8896', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8896 (error; rulesets cin2022_23 to current): Within one CINDetails group there are 2
-- or more open Assessments groups. Within an episode, at most one assessment may lack an
-- authorisation date.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) filter (where assessment_authorisation_date is null) as open_assessments,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__assessment') }}
    group by census_year, la_code, child_pos, cin_details_pos
)

select
    *,
    '8896: episode has ' || open_assessments || ' open (unauthorised) assessments' as failure_reason
from checked
where
    open_assessments > 1
