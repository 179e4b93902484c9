-- DfE rule 8866: message, summary and severity in seeds/ref_dfe_rules.csv. ReferralSource is in the
-- NPD from 2013/14.

{% call dq_dfe_rule('8866', 'npd') %}
-- Not materialized: read twice (count, check), DuckDB would write every NPD record out
-- first; inlined, the count reads no more than its filter needs (at scale 1, 4180, 4220, 8866
-- together: 5.2 to 5.4 CPU s materialised, 2.7 to 3.0 inlined, same rows).
with records as not materialized (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        referral_source_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where census_year >= 2014 and referral_date >= date '2013-04-01'
),

codes as (
    {{ dq_codes(['referral_source'], with_recoded=false) }}
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
            records.referral_source_code = code_years.code
            and records.census_year = code_years.census_year
)

select
    *,
    '8866: referral source '
    || {{ dq_text('referral_source_code') }}
    || ' is missing or not valid in census year '
    || census_year as failure_reason
from checked
where
    not is_valid_code
{% endcall %}
