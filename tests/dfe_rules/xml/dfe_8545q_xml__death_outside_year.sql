-- DfE rule 8545Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8545Q', 'xml') %}
with checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        child.death_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join {{ ref('ref_census_years') }} as census
        on child.census_year = census.census_year
    where child.death_date is not null
)

select
    *,
    '8545Q: date of death '
    || {{ dq_text('death_date') }}
    || ' is outside the census year' as failure_reason
from checked
where
    death_date not between period_start and period_end
{% endcall %}
