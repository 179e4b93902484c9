-- DfE rule 4180: message, summary and severity in seeds/ref_dfe_rules.csv. NPD Gender:
-- GenderCurrent codes 1/2/0/9 to 2023/24, Sex M/F/U from 2024/25.

{% call dq_dfe_rule('4180', 'npd') %}
with records as (
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
    select
        code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where code_list in ('gender_current', 'sex') and not is_legacy
),

checked as (
    select
        records.*,
        exists(
            select 1
            from codes
            where
                codes.code = records.gender_code
                and records.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from records
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
