-- DfE rule 4014: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4014', 'xml') %}
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
{% endcall %}
