-- DfE rule 8555Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8555Q', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        child.la_child_id,
        episode.referral_date,
        child.death_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
    where child.death_date is not null
)

select
    *,
    '8555Q: referral date '
    || {{ dq_text('referral_date') }}
    || ' is after the date of death '
    || {{ dq_text('death_date') }} as failure_reason
from checked
where
    referral_date > death_date
{% endcall %}
