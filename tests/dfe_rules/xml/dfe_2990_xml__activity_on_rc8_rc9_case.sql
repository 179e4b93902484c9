{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '2990', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 2990 (error; rulesets cin2022_23 to current): Activity is recorded against a case
-- marked as ‘Case closed after assessment, no further action’ or ’case closed after assessment,
-- referred to early help’. An episode closed with RC8/RC9 (closed after assessment) must have no
-- CPP, CINdetails initial CPC date or CIN plan.

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
