-- DfE rule 8569Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8569Q', 'xml') %}
with working_days as (
    {{ dq_working_days() }}
),

cutoffs as (
    select
        census.census_year,
        max(working_days.working_day) as last_working_day_before_year
    from {{ ref('ref_census_years') }} as census
    inner join working_days
        on
            census.period_start > working_days.working_day
            and working_days.working_day >= census.period_start - interval 10 day
    group by census.census_year
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.referral_date,
        episode.is_referral_nfa,
        cutoffs.last_working_day_before_year,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join cutoffs
        on episode.census_year = cutoffs.census_year
)

select
    *,
    '8569Q: referral '
    || {{ dq_text('referral_date') }}
    || ' is before the census year (less one working day) but flagged no further action'
        as failure_reason
from checked
where
    is_referral_nfa and referral_date < last_working_day_before_year
{% endcall %}
