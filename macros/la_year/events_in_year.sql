{#
    The dated events of the C4 measures (s47 enquiries and initial child protection
    conferences; DfE methodology 2016-17, section 4, "Number of section 47 enquiries" and
    "initial child protection conferences"), one place for each rule, used by
    models/marts/la_year/fct_la_year.sql (each return as delivered) and
    models/marts/la_year/fct_la_year_reconstructed.sql (the rebuilt records).
#}

{#- The initial conferences: the dates of the s47 module (`enquiries`) and of CINdetails
    (`episodes`: a transfer-in's conference, held without an enquiry in the receiving
    LA), of the XML only: the NPD's single DateOfInitialCPC per referral is not the s47
    module. `columns` are taken from both relations, in that order. -#}
{% macro initial_conference_dates(enquiries, episodes, columns) -%}
    select {{ columns | join(', ') }}
    from {{ enquiries }}
    union all
    select {{ columns | join(', ') }}
    from {{ episodes }}
    where source_kind = 'xml'
{%- endmacro %}

{#- Each return's events dated within its own census year, one per source, year, LA,
    child and date: two rows of a child on one date (an event repeated in the return, or a
    conference in both modules) are one event; two children's events on one day are two. -#}
{% macro events_in_return_year(events, date_column) -%}
    select distinct
        events.source_kind,
        events.census_year,
        events.la_code,
        events.la_child_id,
        events.{{ date_column }}
    from {{ events }} as events
    inner join census_years as years on events.census_year = years.census_year
    where {{ in_census_period('events.' ~ date_column) }}
{%- endmacro %}

{#- The rebuilt events in the census year their date falls in, one per source, year,
    child, date and LA (duplicates removed as in events_in_return_year), under the LA code
    of their episode that year (the span of `episode_la_spans` holding the year: an
    episode's spans are disjoint and cover every year, so at most one matches), else the
    event's own. -#}
{% macro events_in_census_year(events, date_column) -%}
    select distinct
        events.source_kind,
        years.census_year,
        events.child_id,
        events.{{ date_column }},
        coalesce(codes.la_code, events.la_code) as la_code
    from {{ events }} as events
    inner join census_years as years on {{ in_census_period('events.' ~ date_column) }}
    left join episode_la_spans as codes
        on
            events.episode_id = codes.episode_id
            and years.census_year between codes.from_census_year and codes.to_census_year
{%- endmacro %}
