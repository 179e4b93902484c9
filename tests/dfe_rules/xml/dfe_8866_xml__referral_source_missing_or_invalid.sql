-- DfE rule 8866: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8866', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.referral_date,
        episode.referral_source_code,
        exists(
            select 1
            from {{ ref('ref_codes') }} as codes
            where
                codes.code_list = 'referral_source'
                and not codes.is_legacy
                and codes.code = episode.referral_source_code
                and episode.census_year between codes.first_census_year and codes.last_census_year
        ) as is_valid_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    where episode.referral_date >= date '2013-04-01'
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
