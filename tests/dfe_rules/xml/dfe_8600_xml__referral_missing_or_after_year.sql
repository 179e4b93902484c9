-- DfE rule 8600: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8600', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.referral_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('ref_census_years') }} as census
        on episode.census_year = census.census_year
)

select
    *,
    '8600: referral date '
    || {{ dq_text('referral_date') }}
    || ' is missing or after the end of the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    referral_date > period_end or referral_date is null
{% endcall %}
