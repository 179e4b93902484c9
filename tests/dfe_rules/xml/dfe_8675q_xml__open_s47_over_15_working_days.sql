-- DfE rule 8675Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8675Q', 'xml') %}
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
{% endcall %}
