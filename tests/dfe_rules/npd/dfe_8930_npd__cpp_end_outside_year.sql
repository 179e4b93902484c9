-- DfE rule 8930: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8930', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        cpp_end_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where cpp_end_date is not null
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
    '8930: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is outside the census year' as failure_reason
from checked
where
    cpp_end_date not between period_start and period_end
{% endcall %}
