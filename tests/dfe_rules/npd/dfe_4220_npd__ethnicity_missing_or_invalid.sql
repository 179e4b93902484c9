-- DfE rule 4220: message, summary and severity in seeds/ref_dfe_rules.csv. 2008/09 carries the old
-- national codes A1-E4: staging recodes them (ref_codes, is_legacy).

{% call dq_dfe_rule('4220', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        ethnicity_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

codes as (
    select
        code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where code_list = 'ethnicity' and not is_legacy
    union all
    -- 2008/09's old national codes (A1-E4) are staged as the four-letter codes they map to
    select
        maps_to_code as code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where code_list = 'ethnicity' and is_legacy and maps_to_code is not null
),

checked as (
    select
        records.*,
        exists(
            select 1
            from codes
            where
                codes.code = records.ethnicity_code
                and records.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '4220: ethnicity '
    || {{ dq_text('ethnicity_code') }}
    || ' is missing or not a valid code in census year '
    || census_year as failure_reason
from checked
where
    not is_valid_code
{% endcall %}
