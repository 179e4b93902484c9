-- DfE rule 4008: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('4008', 'xml') %}
with checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        child.la_child_id,
        plan.cin_plan_start_date,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('plan', 'child', 'child') }}
    where child.death_date is not null
)

select
    *,
    '4008: CIN plan start date '
    || {{ dq_text('cin_plan_start_date') }}
    || ' is after the date of death '
    || {{ dq_text('death_date') }} as failure_reason
from checked
where
    cin_plan_start_date > death_date
{% endcall %}
