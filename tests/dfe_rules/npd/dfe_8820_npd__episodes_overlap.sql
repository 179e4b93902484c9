-- DfE rule 8820: message, summary and severity in seeds/ref_dfe_rules.csv. From 2009/10: the NPD
-- has no closure date before (every 2008/09 episode would look open).

{% call dq_dfe_rule('8820', 'npd') %}
with episodes as (
    select distinct
        census_year,
        la_child_id,
        referral_date,
        closure_date,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where referral_date is not null and census_year >= 2010
),

spans as (
    select
        episodes.*,
        case
            when episodes.closure_date is not null then episodes.closure_date
            when not coalesce(episodes.is_referral_nfa, false) then census.period_end
        end as span_end
    from episodes
    inner join {{ ref('ref_census_years') }} as census
        on episodes.census_year = census.census_year
),

checked as (
    select
        this.census_year,
        this.la_code,
        this.la_child_id,
        this.referral_date,
        this.closure_date,
        (
            select min(other.referral_date)
            from spans as other
            where
                other.census_year = this.census_year
                and other.la_code = this.la_code
                and other.la_child_id = this.la_child_id
                and other.referral_date <> this.referral_date
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
