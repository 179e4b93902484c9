-- Worked example, fct_la_year beside fct_la_year_reconstructed: children in need at 31
-- March per LA for one census year and source, as DfE counts them from that year's
-- return and as the rebuilt episodes count them (a case closed "after assessment" soon
-- after 31 March is no child in need with hindsight; cases that silently dropped out of
-- the returns are closed). --vars '{analysis_census_year: 2024, analysis_source: xml}'.
select
    official.la_code,
    official.children_in_need_31mar,
    reconstructed.children_in_need_31mar as children_in_need_31mar_reconstructed,
    reconstructed.children_in_need_31mar - official.children_in_need_31mar as difference
from {{ ref('fct_la_year') }} as official
inner join {{ ref('fct_la_year_reconstructed') }} as reconstructed
    on
        official.source_kind = reconstructed.source_kind
        and official.la_code = reconstructed.la_code
        and official.census_year = reconstructed.census_year
where
    official.census_year = {{ var('analysis_census_year', 2024) }}
    and official.source_kind = '{{ var("analysis_source", "xml") }}'
    and official.has_return
order by official.la_code
