-- DfE rule 8530Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8530Q', 'xml') %}
with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.expected_birth_date,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
    where child.expected_birth_date is not null
)

select
    *,
    '8530Q: expected date of birth '
    || {{ dq_text('expected_birth_date') }}
    || ' is not within 30 days before to 9 months after '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    expected_birth_date < period_end - interval 30 day
    or expected_birth_date > period_end + interval 9 month
{% endcall %}
