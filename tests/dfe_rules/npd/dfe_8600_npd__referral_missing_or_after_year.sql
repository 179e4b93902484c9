-- DfE rule 8600: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8600', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

checked as (
    select
        records.*,
        census.period_end,
        count(*) over () as rows_checked
    from records
    inner join {{ ref('ref_census_years') }} as census
        on records.census_year = census.census_year
)

select
    *,
    '8600: referral date '
    || {{ dq_text('referral_date') }}
    || ' is missing or after the end of the census year '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    referral_date is null or referral_date > period_end
{% endcall %}
