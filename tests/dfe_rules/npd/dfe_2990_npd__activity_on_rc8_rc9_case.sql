-- DfE rule 2990: message, summary and severity in seeds/ref_dfe_rules.csv. NPD carries only the CPP
-- and the CINdetails initial CPC date of the episode (no CIN plans).

{% call dq_dfe_rule('2990', 'npd') %}
-- Not materialized: read twice (count, check); materialised, DuckDB wrote every RC8/RC9
-- record out first; inlined, the count scans the filter's column (scale 1, alone: 2.1-2.4
-- CPU s materialised, 1.8-2.0 inlined, the same rows).
with records as not materialized (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        closure_reason_code,
        cpp_start_date,
        initial_cpc_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where closure_reason_code in ('RC8', 'RC9')
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
    '2990: episode closed '
    || closure_reason_code
    || ' (after assessment) has '
    || case
        when
            cpp_start_date is not null
            then 'a CPP starting ' || {{ dq_text('cpp_start_date') }}
        else 'an initial CPC date ' || {{ dq_text('initial_cpc_date') }}
    end as failure_reason
from checked
where
    cpp_start_date is not null or initial_cpc_date is not null
{% endcall %}
