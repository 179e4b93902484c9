-- DfE rule 1550: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('1550', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        upn,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }}
    where length(upn) = 13
)

select
    *,
    '1550: character 13 of UPN '
    || upn
    || ' is not a digit or a letter other than I, O, S' as failure_reason
from checked
where
    not regexp_full_match(substring(upn, 13, 1), '[0-9A-HJ-NPQR-Z]')
{% endcall %}
