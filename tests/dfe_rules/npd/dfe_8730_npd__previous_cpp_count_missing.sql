-- DfE rule 8730: message, summary and severity in seeds/ref_dfe_rules.csv. NumberOfPreviousCPP is
-- in the NPD for 2008/09 and from 2012/13; checked from 2012/13.

{% call dq_dfe_rule('8730', 'npd') %}
with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        cpp_start_date,
        previous_cpp_count,
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
    '8730: number of previous CPPs '
    || {{ dq_text('previous_cpp_count') }}
    || ' is missing or negative for the CPP starting '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    previous_cpp_count is null or previous_cpp_count < 0
{% endcall %}
