-- DfE rule 8820: message, summary and severity in seeds/ref_dfe_rules.csv. Re-referral on the day
-- the previous episode closed is not an overlap (strict upper bound).

{% call dq_dfe_rule('8820', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

spans as (
    select
        episode.*,
        case
            when episode.closure_date is not null then episode.closure_date
            when not coalesce(episode.is_referral_nfa, false) then census.period_end
        end as span_end
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join census
        on episode.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.child_pos,
        this.cin_details_pos,
        this.referral_date,
        this.closure_date,
        (
            select min(other.referral_date)
            from spans as other
            where
                {{ dq_xml_keys_match('other', 'this', 'child') }}
                and other.cin_details_pos <> this.cin_details_pos
                and this.referral_date >= other.referral_date
                and this.referral_date < other.span_end
        ) as overlapped_referral_date,
        count(*) over () as rows_checked
    from spans as this
)

select
    *,
    '8820: episode referred '
    || {{ dq_text('referral_date') }}
    || ' starts within the episode referred '
    || {{ dq_text('overlapped_referral_date') }} as failure_reason
from checked
where
    overlapped_referral_date is not null
{% endcall %}
