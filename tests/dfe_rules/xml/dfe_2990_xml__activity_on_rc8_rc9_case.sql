-- DfE rule 2990: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2990', 'xml') %}
with activity as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'child protection plan' as activity
    from {{ ref('stg_xml__cpp') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'CIN plan' as activity
    from {{ ref('stg_xml__cin_plan_dates') }}
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_reason_code,
        episode.initial_cpc_date,
        (
            select string_agg(distinct activity.activity, ', ')
            from activity
            where {{ dq_xml_keys_match('activity', 'episode', 'cin_details') }}
        ) as activities,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    where episode.closure_reason_code in ('RC8', 'RC9')
)

select
    *,
    '2990: episode closed '
    || closure_reason_code
    || ' (after assessment) has '
    || coalesce(activities, 'an initial CPC date') as failure_reason
from checked
where
    activities is not null or initial_cpc_date is not null
{% endcall %}
