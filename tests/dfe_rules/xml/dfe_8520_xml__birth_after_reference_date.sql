-- DfE rule 8520: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8520', 'xml') %}
with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.birth_date,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
    where child.birth_date is not null
)

select
    *,
    '8520: date of birth '
    || {{ dq_text('birth_date') }}
    || ' is after the end of the census year '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    birth_date > period_end
{% endcall %}
