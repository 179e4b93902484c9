-- DfE rule 4180: message, summary and severity in seeds/ref_dfe_rules.csv. NPD Gender:
-- GenderCurrent codes 1/2/0/9 to 2023/24, Sex M/F/U from 2024/25.

{% call dq_dfe_rule('4180', 'npd') %}
-- Not materialized: read twice (count, check), DuckDB would write every NPD record out
-- first; inlined, the count reads no more than its filter needs (at scale 1, 4180, 4220, 8866
-- together: 5.2 to 5.4 CPU s materialised, 2.7 to 3.0 inlined, same rows).
with records as not materialized (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        gender_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

codes as (
    {{ dq_codes(['gender_current', 'sex'], with_recoded=false) }}
),

-- The valid (code, census year) pairs: an equality join, not a correlated range (dq_code_years).
code_years as (
    {{ dq_code_years('codes') }}
),

-- Counted in its own one-row CTE rather than by a window beside every row (for 4220 at
-- scale 1 the window took 8.6 of 18.5 s wall).
records_count as (
    select count(*) as rows_checked
    from records
),

checked as (
    select
        records.*,
        code_years.code is not null as is_valid_code,
        records_count.rows_checked
    from records
    cross join records_count
    left join code_years
        on
            records.gender_code = code_years.code
            and records.census_year = code_years.census_year
)

select
    *,
    '4180: gender '
    || {{ dq_text('gender_code') }}
    || ' is missing or not a valid code in census year '
    || census_year as failure_reason
from checked
where
    not is_valid_code
{% endcall %}
