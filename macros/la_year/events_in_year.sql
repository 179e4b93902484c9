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
    their episode had that year (activities_in_census_year). -#}
{% macro events_in_census_year(events, date_column) -%}
    select distinct
        events.source_kind,
        events.census_year,
        events.child_id,
        events.{{ date_column }},
        events.year_la_code as la_code
    from ({{ activities_in_census_year(events, date_column) }}) as events
{%- endmacro %}

{#- Each rebuilt activity on an episode (an assessment, enquiry or conference: a relation
    with episode_id, la_code and `date_column`) in the census year its date falls in, with
    the LA code it counts under that year (year_la_code): its episode's code that year,
    else its own. The episode's code, as in episode_open_years: of an episode returned
    under two codes, its span holding the year (the model's CTE episode_two_code_spans:
    an episode's spans are disjoint and cover every year, so exactly one matches); of any
    other, its one code, fct_episode.la_code. Not a table of every episode's one code,
    which took an aggregate of every record (the model's CTE episodes_with_two_codes now
    groups only the records of episodes of two records or more). Reads the model's CTEs
    census_years and episode_two_code_spans. -#}
{% macro activities_in_census_year(activities, date_column) -%}
    select
        activities.*,
        years.census_year,
        case
            when spans.episode_id is not null then coalesce(spans.la_code, activities.la_code)
            else coalesce(episodes.la_code, activities.la_code)
        end as year_la_code
    from {{ activities }} as activities
    inner join census_years as years on {{ in_census_period('activities.' ~ date_column) }}
    left join episode_two_code_spans as spans
        on
            activities.episode_id = spans.episode_id
            and years.census_year between spans.from_census_year and spans.to_census_year
    left join {{ ref('fct_episode') }} as episodes
        on activities.episode_id = episodes.episode_id
{%- endmacro %}
