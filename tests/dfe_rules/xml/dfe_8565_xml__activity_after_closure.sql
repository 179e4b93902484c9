-- DfE rule 8565: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8565', 'xml') %}
with activity as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'assessment start' as activity,
        assessment_start_date as activity_date
    from {{ ref('stg_xml__assessment') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'assessment authorisation' as activity,
        assessment_authorisation_date as activity_date
    from {{ ref('stg_xml__assessment') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'section 47 start' as activity,
        s47_start_date as activity_date
    from {{ ref('stg_xml__section47') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'section 47 initial CPC' as activity,
        initial_cpc_date as activity_date
    from {{ ref('stg_xml__section47') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'CPP end' as activity,
        cpp_end_date as activity_date
    from {{ ref('stg_xml__cpp') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'CIN plan start' as activity,
        cin_plan_start_date as activity_date
    from {{ ref('stg_xml__cin_plan_dates') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'CIN plan end' as activity,
        cin_plan_end_date as activity_date
    from {{ ref('stg_xml__cin_plan_dates') }}
    union all
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        'initial CPC' as activity,
        initial_cpc_date as activity_date
    from {{ ref('stg_xml__cin_details') }}
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_date,
        (
            select
                string_agg(
                    activity.activity || ' ' || cast(activity.activity_date as varchar), ', '
                )
            from activity
            where
                {{ dq_xml_keys_match('activity', 'episode', 'cin_details') }}
                and activity.activity_date > episode.closure_date
        ) as later_activity,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    where episode.closure_date is not null
)

select
    *,
    '8565: episode closed '
    || {{ dq_text('closure_date') }}
    || ' has later activity: '
    || later_activity as failure_reason
from checked
where
    later_activity is not null
{% endcall %}
