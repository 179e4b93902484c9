-- DfE rule 8910: message, summary and severity in seeds/ref_dfe_rules.csv. Initial and latest
-- category of abuse are in the NPD from 2012/13.

{% call dq_dfe_rule('8910', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        latest_abuse_category_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where census_year >= 2013 and cpp_start_date is not null
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8910: latest category of abuse '
    || {{ dq_text('latest_abuse_category_code') }}
    || ' is missing or not NEG, PHY, SAB, EMO or MUL' as failure_reason
from checked
where
    latest_abuse_category_code is null
    or latest_abuse_category_code not in ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')
{% endcall %}
