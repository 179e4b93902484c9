-- DfE rule 4180: message, summary and severity in seeds/ref_dfe_rules.csv. Each ruleset version
-- reads the element of its years (the two rows of the seed), not staging's conformed `sex`: to
-- census year 2024 GenderCurrent must be 0, 1, 2 or 9 (a <Sex> element, which the XSD has only
-- from 2024/25, does not satisfy it); from 2025 Sex must be M, F or U.

{% call dq_dfe_rule('4180', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        gender_current_raw,
        sex_raw,
        case
            when census_year <= 2024
                then coalesce(trim(gender_current_raw), '') in ('0', '1', '2', '9')
            else coalesce(upper(trim(sex_raw)), '') in ('M', 'F', 'U')
        end as is_valid_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '4180: '
    || case when census_year <= 2024 then 'GenderCurrent ' else 'Sex ' end
    || coalesce(
        case when census_year <= 2024 then gender_current_raw else sex_raw end, 'missing'
    )
    || ' is missing or not a code of the year' as failure_reason
from checked
where
    not is_valid_code
{% endcall %}
