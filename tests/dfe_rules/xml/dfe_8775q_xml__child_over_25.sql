-- DfE rule 8775Q: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8775Q', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        child.la_child_id,
        child.birth_date,
        episode.closure_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('stg_xml__child') }} as child
        on {{ dq_xml_keys_match('episode', 'child', 'child') }}
    inner join {{ ref('ref_census_years') }} as census
        on episode.census_year = census.census_year
    where child.birth_date + interval 25 year < census.period_end
)

select
    *,
    '8775Q: child born '
    || {{ dq_text('birth_date') }}
    || ' is over 25 with an episode open after their 25th birthday' as failure_reason
from checked
where
    closure_date is null or closure_date > birth_date + interval 25 year
{% endcall %}
