{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8620', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8620 (error; rulesets cin2022_23 to current): CIN Closure Date present and does not
-- fall within the Census year. CINclosureDate, where present, must fall within the census period.

with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('ref_census_years') }} as census
        on episode.census_year = census.census_year
    where episode.closure_date is not null
)

select
    *,
    '8620: closure date '
    || {{ dq_text('closure_date') }}
    || ' is outside the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    closure_date not between period_start and period_end
