-- DfE rule 8831: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8831', 'xml') %}
with activity as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'assessment' as activity
    from {{ ref('stg_xml__assessment') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'section 47' as activity
    from {{ ref('stg_xml__section47') }}
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.initial_cpc_date,
        (
            select string_agg(distinct activity.activity, ', ')
            from activity
            where {{ dq_xml_keys_match('activity', 'episode', 'cin_details') }}
        ) as activities,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    where episode.is_referral_nfa
)

select
    *,
    '8831: referral with no further action has '
    || coalesce(activities, 'an initial CPC date') as failure_reason
from checked
where
    activities is not null or initial_cpc_date is not null
{% endcall %}
