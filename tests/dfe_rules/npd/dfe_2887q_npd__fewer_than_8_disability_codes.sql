-- DfE rule 2887Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2887Q', 'npd') %}
with disabilities as (
    select
        census_year,
        la_child_id,
        disability_code,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__disabilities') }}
),

checked as (
    select
        census_year,
        la_code,
        count(distinct disability_code) filter (
            where disability_code <> 'NONE'
        ) as disability_codes_used,
        count(*) over () as rows_checked
    from disabilities
    group by census_year, la_code
)

select
    *,
    '2887Q: only '
    || disability_codes_used
    || ' distinct disability codes (other than NONE) are used by the LA in the year'
        as failure_reason
from checked
where
    disability_codes_used <= 7
{% endcall %}
