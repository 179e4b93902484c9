{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8675Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 8675Q (query; rulesets cin2022_23 to current): Please check and either amend data or
-- provide a reason: S47 Enquiry started more than 15 working days before the end of the census
-- year. However, there is no date of Initial Child Protection Conference. An open S47 (no ICPC
-- date, ICPC required) should not have started more than 15 working days before the
-- ReferenceDate.

with cutoffs as (
    {{ dq_working_day_cutoffs(15) }}
),

checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.s47_pos,
        s47.s47_start_date,
        cutoffs.cutoff_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join cutoffs
        on s47.census_year = cutoffs.census_year
    where s47.initial_cpc_date is null and not coalesce(s47.is_icpc_not_required, false)
)

select
    *,
    '8675Q: section 47 started '
    || {{ dq_text('s47_start_date') }}
    || ' has no initial CPC more than 15 working days later' as failure_reason
from checked
where
    s47_start_date < cutoff_date
