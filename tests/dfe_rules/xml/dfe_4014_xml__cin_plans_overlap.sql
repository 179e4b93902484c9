{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4014', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4014 (error; rulesets cin2022_23 to current): CIN Plan data contains overlapping
-- dates. CIN plans within an episode must not overlap (a plan start may not fall within another
-- plan's start-end or start-ReferenceDate span).

with spans as (
    select
        module.*,
        coalesce(module.cin_plan_end_date, census.period_end) as span_end
    from {{ ref('stg_xml__cin_plan_dates') }} as module
    inner join {{ ref('ref_census_years') }} as census
        on module.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.child_pos,
        this.cin_plan_pos,
        this.cin_plan_start_date,
        this.cin_plan_end_date,
        (
            select min(other.cin_plan_start_date)
            from spans as other
            where
                other.census_year = this.census_year
                and other.la_code = this.la_code
                and other.child_pos = this.child_pos
                and other.cin_details_pos = this.cin_details_pos
                and other.cin_plan_pos <> this.cin_plan_pos
                and this.cin_plan_start_date >= other.cin_plan_start_date
                and this.cin_plan_start_date <= other.span_end
        ) as overlapped_start,
        count(*) over () as rows_checked
    from spans as this
)

select
    *,
    '4014: CIN plan starting '
    || {{ dq_text('cin_plan_start_date') }}
    || ' starts within the one starting '
    || {{ dq_text('overlapped_start') }} as failure_reason
from checked
where
    overlapped_start is not null
