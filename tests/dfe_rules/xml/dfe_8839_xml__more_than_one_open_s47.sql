-- DfE rule 8839: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8839', 'xml') %}
with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) filter (
            where initial_cpc_date is null and not coalesce(is_icpc_not_required, false)
        ) as open_s47s,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }}
    group by census_year, la_code, child_pos, cin_details_pos
)

select
    *,
    '8839: episode has ' || open_s47s || ' open section 47 enquiries' as failure_reason
from checked
where
    open_s47s > 1
{% endcall %}
