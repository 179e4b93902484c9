-- DfE rule 8940: message, summary and severity in seeds/ref_dfe_rules.csv. A new plan may start on
-- the day the previous one ends (strict upper bound).

{% call dq_dfe_rule('8940', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

spans as (
    select
        cpp.*,
        coalesce(cpp.cpp_end_date, census.period_end) as span_end
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join census
        on cpp.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.child_pos,
        this.cin_details_pos,
        this.cpp_pos,
        this.cpp_start_date,
        (
            select min(other.cpp_start_date)
            from spans as other
            where
                {{ dq_xml_keys_match('other', 'this', 'child') }}
                and not (
                    other.cin_details_pos = this.cin_details_pos and other.cpp_pos = this.cpp_pos
                )
                and this.cpp_start_date >= other.cpp_start_date
                and this.cpp_start_date < other.span_end
        ) as overlapped_start_date,
        count(*) over () as rows_checked
    from spans as this
)

select
    *,
    '8940: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' starts within the CPP starting '
    || {{ dq_text('overlapped_start_date') }} as failure_reason
from checked
where
    overlapped_start_date is not null
{% endcall %}
