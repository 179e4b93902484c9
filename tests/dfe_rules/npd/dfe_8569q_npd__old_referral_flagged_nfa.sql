-- DfE rule 8569Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8569Q', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

working_days as (
    {{ dq_working_days() }}
),

cutoffs as (
    select
        census.census_year,
        max(working_days.working_day) as last_working_day_before_year
    from {{ ref('ref_census_years') }} as census
    inner join working_days
        on
            census.period_start > working_days.working_day
            and working_days.working_day >= census.period_start - interval 10 day
    group by census.census_year
),

checked as (
    select
        records.*,
        cutoffs.last_working_day_before_year
    from records
    inner join cutoffs
        on records.census_year = cutoffs.census_year
),

-- Counted in its own one-row CTE rather than by a window beside every row, which held
-- every row of the NPD in memory at once (3 CPU s at scale 1).
checked_count as (
    select count(*) as rows_checked
    from checked
)

select
    checked.*,
    checked_count.rows_checked,
    '8569Q: referral '
    || {{ dq_text('checked.referral_date') }}
    || ' is before the census year (less one working day) but flagged no further action'
        as failure_reason
from checked
cross join checked_count
where
    checked.is_referral_nfa
    and checked.referral_date < checked.last_working_day_before_year
{% endcall %}
