-- DfE rule 8794: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8794', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        disability_code,
        count(*) as times_recorded,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__disability') }}
    group by census_year, la_code, child_pos, disability_code
)

select
    *,
    '8794: disability '
    || {{ dq_text('disability_code') }}
    || ' is recorded '
    || times_recorded
    || ' times for one child' as failure_reason
from checked
where
    times_recorded > 1
{% endcall %}
