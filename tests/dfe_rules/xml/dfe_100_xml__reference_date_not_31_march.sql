-- DfE rule 100: message, summary and severity in seeds/ref_dfe_rules.csv. The return's census
-- year is its <Year> (the loader takes it from Year and logs a disagreeing ReferenceDate), so a
-- failing row is a return kept in the year of its <Year> whose ReferenceDate is not 31 March of
-- that year: DfE's message blames the ReferenceDate, not the Year (DATA_QUALITY.md, Conventions).

{% call dq_dfe_rule('100', 'xml') %}
with checked as (
    select
        return_header.census_year,
        return_header.la_code,
        return_header.reference_date,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__header') }} as return_header
    left join {{ ref('ref_census_years') }} as census
        on return_header.census_year = census.census_year
)

select
    *,
    '100: ReferenceDate '
    || {{ dq_text('reference_date') }}
    || ' is not 31 March of the collection year ('
    || {{ dq_text('period_end') }}
    || ')' as failure_reason
from checked
where
    reference_date is null or reference_date <> period_end
{% endcall %}
