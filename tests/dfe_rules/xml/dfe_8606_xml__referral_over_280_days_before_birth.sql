-- DfE rule 8606: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8606', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        child.la_child_id,
        episode.referral_date,
        coalesce(child.birth_date, child.expected_birth_date) as birth_or_expected_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
)

select
    *,
    '8606: referral '
    || {{ dq_text('referral_date') }}
    || ' is more than 40 weeks before the (expected) date of birth '
    || {{ dq_text('birth_or_expected_date') }} as failure_reason
from checked
where
    referral_date < birth_or_expected_date - interval 280 day
{% endcall %}
