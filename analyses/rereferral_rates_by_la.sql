-- Re-referral rates by LA and census year (re-referrals within 12 months per 100
-- referrals, DfE table C1's measure), official (fct_la_year: each return as delivered)
-- beside reconstructed (fct_la_year_reconstructed: the child's previous referral in any
-- return, phantom re-referrals of open cases left out), for one source.
-- --vars '{analysis_source: xml}'.
with official as (
    select * from {{ ref('fct_la_year') }}
    where source_kind = '{{ var("analysis_source", "xml") }}' and has_return
),

reconstructed as (
    select * from {{ ref('fct_la_year_reconstructed') }}
    where source_kind = '{{ var("analysis_source", "xml") }}' and has_return
)

select
    official.la_code,
    official.census_year,
    official.referrals,
    official.rereferrals_12m,
    reconstructed.referrals as referrals_reconstructed,
    reconstructed.rereferrals_12m as rereferrals_12m_reconstructed,
    round(100.0 * official.rereferrals_12m / nullif(official.referrals, 0), 1)
        as rereferral_pct,
    round(100.0 * reconstructed.rereferrals_12m / nullif(reconstructed.referrals, 0), 1)
        as rereferral_pct_reconstructed
from official
inner join reconstructed
    on
        official.source_kind = reconstructed.source_kind
        and official.la_code = reconstructed.la_code
        and official.census_year = reconstructed.census_year
order by official.la_code, official.census_year
