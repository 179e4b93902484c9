-- DfE rule 8565: message, summary and severity in seeds/ref_dfe_rules.csv. NPD carries only the
-- initial CPC date and the CPP end of an episode's activity.

{% call dq_dfe_rule('8565', 'npd') %}
-- Not materialized: read twice (count, check); materialised, DuckDB wrote every closed
-- record out first; inlined, the count scans the filter's column (scale 1, alone: 2.1-2.3
-- CPU s materialised, 1.3-1.5 inlined, the same 980 rows).
with records as not materialized (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        closure_date,
        initial_cpc_date,
        cpp_end_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_date is not null
),

-- Counted in its own one-row CTE rather than by a window beside every row, which held
-- every row checked in memory at once.
checked_count as (
    select count(*) as rows_checked
    from records
),

checked as (
    select
        records.*,
        checked_count.rows_checked
    from records
    cross join checked_count
)

select
    *,
    '8565: episode closed '
    || {{ dq_text('closure_date') }}
    || ' has '
    || concat_ws(
        ' and ',
        case
            when initial_cpc_date > closure_date
                then 'a later initial CPC ' || {{ dq_text('initial_cpc_date') }}
        end,
        case
            when cpp_end_date > closure_date
                then 'a later CPP end ' || {{ dq_text('cpp_end_date') }}
        end
    ) as failure_reason
from checked
where
    initial_cpc_date > closure_date or cpp_end_date > closure_date
{% endcall %}
