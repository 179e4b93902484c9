{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8545Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8545Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: Child’s date of death should be within the census year. PersonDeathDate,
-- where present, should fall within the census period.

with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.death_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
    where child.death_date is not null
)

select
    *,
    '8545Q: date of death '
    || {{ dq_text('death_date') }}
    || ' is outside the census year' as failure_reason
from checked
where
    death_date not between period_start and period_end
