-- DfE rule 8525Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8525Q', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        birth_date,
        expected_birth_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
)

select
    *,
    '8525Q: date of birth '
    || {{ dq_text('birth_date') }}
    || ' and expected date of birth '
    || {{ dq_text('expected_birth_date') }}
    || ': exactly one is expected' as failure_reason
from checked
where
    (birth_date is null) = (expected_birth_date is null)
{% endcall %}
