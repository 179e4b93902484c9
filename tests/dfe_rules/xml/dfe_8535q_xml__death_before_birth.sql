-- DfE rule 8535Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8535Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        birth_date,
        death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '8535Q: date of death '
    || {{ dq_text('death_date') }}
    || ' is before '
    || {{ dq_text('birth_date') }} as failure_reason
from checked
where
    death_date < birth_date
{% endcall %}
