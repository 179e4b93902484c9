-- DfE rule 8863Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8863Q', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

spans as (
    select
        assessment.*,
        coalesce(assessment.assessment_authorisation_date, census.period_end) as span_end
    from {{ ref('stg_xml__assessment') }} as assessment
    inner join census
        on assessment.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.child_pos,
        this.cin_details_pos,
        this.assessment_pos,
        this.assessment_start_date,
        (
            select min(other.assessment_start_date)
            from spans as other
            where
                {{ dq_xml_keys_match('other', 'this', 'cin_details') }}
                and other.assessment_pos <> this.assessment_pos
                and this.assessment_start_date >= other.assessment_start_date
                and this.assessment_start_date < other.span_end
        ) as overlapped_start_date,
        count(*) over () as rows_checked
    from spans as this
)

select
    *,
    '8863Q: assessment starting '
    || {{ dq_text('assessment_start_date') }}
    || ' starts while the one starting '
    || {{ dq_text('overlapped_start_date') }}
    || ' is ongoing' as failure_reason
from checked
where
    overlapped_start_date is not null
{% endcall %}
