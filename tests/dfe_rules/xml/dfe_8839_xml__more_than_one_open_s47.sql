{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8839', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8839 (error; rulesets cin2022_23 to current): Within one CINDetails group there are 2
-- or more open S47 Assessments. Within an episode, at most one Section47 may be open (no ICPC
-- date and ICPCnotRequired not true).

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) filter (
            where initial_cpc_date is null and not coalesce(is_icpc_not_required, false)
        ) as open_s47s,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    group by census_year, la_code, child_pos, cin_details_pos
)

select
    *,
    '8839: episode has ' || open_s47s || ' open section 47 enquiries' as failure_reason
from checked
where
    open_s47s > 1
