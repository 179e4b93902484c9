-- DfE rule 8620: message, summary and severity in seeds/ref_dfe_rules.csv. 2008/09 (half year)
-- counts from 1 October 2008, the start of ref_census_years.

{% call dq_dfe_rule('8620', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        closure_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_date is not null
),

checked as (
    select
        records.*,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from records
    inner join {{ ref('ref_census_years') }} as census
        on records.census_year = census.census_year
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
{% endcall %}
