-- DfE rule 4220: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4220', 'xml') %}
with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.ethnicity_code,
        exists(
            select 1
            from {{ ref('ref_codes') }} as codes
            where
                codes.code_list = 'ethnicity'
                and not codes.is_legacy
                and codes.code = child.ethnicity_code
                and child.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
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
