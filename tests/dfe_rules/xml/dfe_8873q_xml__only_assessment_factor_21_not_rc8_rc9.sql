-- DfE rule 8873Q: message, summary and severity in seeds/ref_dfe_rules.csv.
-- Reading: checked on closed episodes only. DfE's wording does not say "closed", but what it
-- asks for is a reason for closure ("RC8 or RC9 should be used"), which an episode open at the
-- ReferenceDate does not have yet: a missing reason is not a wrong one, and an episode whose only
-- assessment found no factors is closed (with RC8 or RC9) in the next return when the LA decides,
-- so flagging it open would query a closure not yet made. Decided in issue 14; the fixture of
-- tests/python/data_quality/test_dfe_rule_fixes.py holds both cases.

{% call dq_dfe_rule('8873Q', 'xml') %}
with assessments as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) as assessments
    from {{ ref('stg_xml__assessment') }}
    group by census_year, la_code, child_pos, cin_details_pos
),

factor_21 as (
    select distinct
        census_year,
        la_code,
        child_pos,
        cin_details_pos
    from {{ ref('stg_xml__assessment_factor') }}
    where assessment_factor_code = '21'
),

checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_reason_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join assessments
        on {{ dq_xml_keys_match('assessments', 'episode', 'cin_details') }}
    inner join factor_21
        on {{ dq_xml_keys_match('factor_21', 'episode', 'cin_details') }}
    where assessments.assessments = 1 and episode.closure_date is not null
)

select
    *,
    '8873Q: the only assessment found no factors (21) but the reason for closure is '
    || {{ dq_text('closure_reason_code') }} as failure_reason
from checked
where
    closure_reason_code is null or closure_reason_code not in ('RC8', 'RC9')
{% endcall %}
