-- DfE rule 1510: message, summary and severity in seeds/ref_dfe_rules.csv. Checked on 13-character
-- UPNs whose characters 2-12 are digits and character 13 valid (1540 and 1550 cover the rest).

{% call dq_dfe_rule('1510', 'xml') %}
with upns as (
    select
        census_year,
        la_code,
        child_pos,
        la_child_id,
        upn
    from {{ ref('stg_xml__child') }}
    where
        length(upn) = 13
        and regexp_full_match(substring(upn, 2, 12), '[0-9]{11}[0-9A-HJ-NPQR-Z]')
),

checked as (
    select
        upns.*,
        {{ dq_upn_check_letter('upns.upn') }} as expected_check_letter,
        count(*) over () as rows_checked
    from upns
)

select
    *,
    '1510: UPN '
    || upn
    || ' has check letter '
    || substring(upn, 1, 1)
    || ', expected '
    || {{ dq_text('expected_check_letter') }} as failure_reason
from checked
where
    substring(upn, 1, 1) <> expected_check_letter
{% endcall %}
