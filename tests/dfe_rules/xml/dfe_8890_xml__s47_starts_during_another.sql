-- DfE rule 8890: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8890', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

spans as (
    select
        s47.*,
        coalesce(s47.initial_cpc_date, census.period_end) as span_end
    from {{ ref('stg_xml__section47') }} as s47
    inner join census
        on s47.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.child_pos,
        this.cin_details_pos,
        this.s47_pos,
        this.s47_start_date,
        (
            select min(other.s47_start_date)
            from spans as other
            where
                {{ dq_xml_keys_match('other', 'this', 'cin_details') }}
                and other.s47_pos <> this.s47_pos
                and this.s47_start_date >= other.s47_start_date
                and this.s47_start_date < other.span_end
        ) as overlapped_start_date,
        count(*) over () as rows_checked
    from spans as this
)

select
    *,
    '8890: section 47 starting '
    || {{ dq_text('s47_start_date') }}
    || ' starts while the one starting '
    || {{ dq_text('overlapped_start_date') }}
    || ' is ongoing' as failure_reason
from checked
where
    overlapped_start_date is not null
{% endcall %}
