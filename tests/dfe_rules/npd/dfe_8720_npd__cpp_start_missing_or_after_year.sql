-- DfE rule 8720: message, summary and severity in seeds/ref_dfe_rules.csv. CPP rows = rows with any
-- CPP field, from 2012/13. The NPD has no CPP start date for referrals of 1 April 2009 to 31 March
-- 2012, in every year's extract (docs/cin_census.md §3b): those rows are not checked.

{% call dq_dfe_rule('8720', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        cpp_start_date,
        cpp_end_date,
        initial_abuse_category_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where
        census_year >= 2013
        and not referral_date between date '2009-04-01' and date '2012-03-31'
        and (
            cpp_start_date is not null
            or cpp_end_date is not null
            or initial_abuse_category_code is not null
        )
),

records_in_year as (
    select
        records.*,
        census.period_end
    from records
    inner join {{ ref('ref_census_years') }} as census
        on records.census_year = census.census_year
),

-- Counted in its own one-row CTE rather than by a window beside every row, which held
-- every row checked in memory at once.
checked_count as (
    select count(*) as rows_checked
    from records_in_year
),

checked as (
    select
        records_in_year.*,
        checked_count.rows_checked
    from records_in_year
    cross join checked_count
)

select
    *,
    '8720: CPP start date '
    || {{ dq_text('cpp_start_date') }}
    || ' is missing or after the end of the census year' as failure_reason
from checked
where
    cpp_start_date is null or cpp_start_date > period_end
{% endcall %}
