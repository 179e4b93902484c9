-- DfE rule 2886Q: message, summary and severity in seeds/ref_dfe_rules.csv. Return level. Each
-- ruleset version reads the element of its years (the two rows of the seed): to census year 2024
-- "no sex" is GenderCurrent missing or 0 (not recorded), so 9 (indeterminate) is a sex recorded;
-- from 2025 it is Sex missing or U. Unborn children (expected date of birth, no date of birth)
-- are excluded.

{% call dq_dfe_rule('2886Q', 'xml') %}
with children as (
    select
        census_year,
        la_code,
        case
            when census_year <= 2024
                then coalesce(nullif(trim(gender_current_raw), ''), '0') = '0'
            else coalesce(upper(nullif(trim(sex_raw), '')), 'U') = 'U'
        end as has_no_sex
    from {{ ref('stg_xml__child') }}
    where not (birth_date is null and expected_birth_date is not null)
),

checked as (
    select
        census_year,
        la_code,
        count(*) as children,
        count(*) filter (where has_no_sex) as children_no_sex,
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
