-- DfE rule 2991Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2991Q', 'xml') %}
with checked as (
    select distinct
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        exists(
            select 1
            from {{ ref('stg_xml__assessment') }} as assessment
            where {{ dq_xml_keys_match('assessment', 's47', 'cin_details') }}
        ) as has_assessment,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
)

select
    *,
    '2991Q: episode has a Section 47 enquiry but no assessment' as failure_reason
from checked
where
    not has_assessment
{% endcall %}
