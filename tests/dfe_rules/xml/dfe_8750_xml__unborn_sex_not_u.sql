-- DfE rule 8750: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8750', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        sex,
        expected_birth_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where birth_date is null and expected_birth_date is not null
)

select
    *,
    '8750: unborn child (expected '
    || {{ dq_text('expected_birth_date') }}
    || ') has sex '
    || {{ dq_text('sex') }}
    || ', expected U (GenderCurrent 0)' as failure_reason
from checked
where
    sex is distinct from 'U'
{% endcall %}
