-- DfE rule 8920: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8920', 'xml') %}
with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        child.la_child_id,
        cpp.cpp_end_date,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('cpp', 'child', 'child') }}
    where child.death_date is not null
)

select
    *,
    '8920: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is after the date of death '
    || {{ dq_text('death_date') }} as failure_reason
from checked
where
    cpp_end_date > death_date
{% endcall %}
