{#
    The census years in which a rebuilt episode was open, for
    models/marts/la_year/fct_la_year_reconstructed.sql, which needs them twice: for the
    referrals (every episode, with its previous referral) and for the plans (only the
    episodes with a plan). One place for the rule; each caller renders it over its own
    episodes, so that neither reads the other's rows.
#}

{#- Each episode of `episodes` (a relation with episode_id, la_code, referral_date,
    closure_date) in each census year in which it was open (referred by 31 March, not
    closed before 1 April), under that year's LA code, with `columns` of `episodes`, the
    year's LA code (year_la_code), census_year, period_start and period_end. The year's
    code: of an episode returned under two codes, its span holding the year (the model's
    CTE episode_two_code_spans); of any other, its one code, `episodes.la_code`
    (fct_episode's: its latest record's), so that only the few spans are joined. The years
    are counted out from the census years of the referral and closure dates (a date from 1
    April is in the next year's census), not found by comparing every episode with every
    census year (105M pairs at national scale): each census period lies within 1 April -
    31 March (the seed test ref_census_years_period_within_april_to_march), so these years
    hold every year in which the episode was open; the census period then decides (2008/09
    began in October). Reads the model's CTEs census_years and census_year_bounds. -#}
{% macro episode_open_years(episodes, columns) -%}
    select
        {%- for column in columns %}
        candidates.{{ column }},
        {%- endfor %}
        candidates.year_la_code,
        years.census_year,
        years.period_start,
        years.period_end
    from (
        select
            episodes.*,
            case
                when spans.episode_id is null then episodes.la_code else spans.la_code
            end as year_la_code,
            unnest(generate_series(
                greatest(
                    {{ census_year_of('episodes.referral_date') }},
                    coalesce(spans.from_census_year, bounds.first_census_year),
                    bounds.first_census_year
                ),
                least(
                    coalesce(
                        {{ census_year_of('episodes.closure_date') }}, bounds.last_census_year
                    ),
                    coalesce(spans.to_census_year, bounds.last_census_year),
                    bounds.last_census_year
                )
            )) as census_year
        from {{ episodes }} as episodes
        left join episode_two_code_spans as spans on episodes.episode_id = spans.episode_id
        cross join census_year_bounds as bounds
    ) as candidates
    inner join census_years as years
        on
            candidates.census_year = years.census_year
            and candidates.referral_date <= years.period_end
            and (
                candidates.closure_date is null
                or candidates.closure_date >= years.period_start
            )
{%- endmacro %}
