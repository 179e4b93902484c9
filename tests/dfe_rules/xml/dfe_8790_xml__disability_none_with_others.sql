-- DfE rule 8790: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8790', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        string_agg(disability_code, ', ') as disability_codes,
        bool_or(disability_code = 'NONE') as has_none,
        count(*) as disability_records,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__disability') }}
    group by census_year, la_code, child_pos
)

select
    *,
    '8790: disability NONE recorded with other codes: ' || disability_codes as failure_reason
from checked
where
    has_none and disability_records > 1
{% endcall %}
