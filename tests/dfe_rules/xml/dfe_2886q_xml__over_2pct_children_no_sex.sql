-- DfE rule 2886Q: message, summary and severity in seeds/ref_dfe_rules.csv. Return level. sex is
-- the conformed column (GenderCurrent 0/missing and Sex U/missing alike).

{% call dq_dfe_rule('2886Q', 'xml') %}
with children as (
    select
        census_year,
        la_code,
        sex
    from {{ ref('stg_xml__child') }}
    -- unborn children (expected date of birth, no date of birth) are excluded
    where not (birth_date is null and expected_birth_date is not null)
),

checked as (
    select
        census_year,
        la_code,
        count(*) as children,
        count(*) filter (where sex is null or sex = 'U') as children_no_sex,
        count(*) over () as rows_checked
    from children
    group by census_year, la_code
)

select
    *,
    '2886Q: '
    || children_no_sex
    || ' of '
    || children
    || ' born children have no sex recorded (more than 2%)' as failure_reason
from checked
where
    children_no_sex > 0.02 * children
{% endcall %}
