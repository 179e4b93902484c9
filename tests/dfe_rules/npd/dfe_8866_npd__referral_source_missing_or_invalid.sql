-- DfE rule 8866: message, summary and severity in seeds/ref_dfe_rules.csv. ReferralSource is in the
-- NPD from 2013/14.

{% call dq_dfe_rule('8866', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        referral_source_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where census_year >= 2014 and referral_date >= date '2013-04-01'
),

codes as (
    select
        code,
        first_census_year,
        last_census_year
    from {{ ref('ref_codes') }}
    where code_list = 'referral_source' and not is_legacy
),

checked as (
    select
        records.*,
        exists(
            select 1
            from codes
            where
                codes.code = records.referral_source_code
                and records.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8866: referral source '
    || {{ dq_text('referral_source_code') }}
    || ' is missing or not valid in census year '
    || census_year as failure_reason
from checked
where
    not is_valid_code
{% endcall %}
