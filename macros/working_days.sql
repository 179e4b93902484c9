{#- Working-day numbers, the warehouse's one working-day calendar: for each day from 2000 to
    2030, whether it is a working day (a weekday not in the bank-holiday seed) and the count
    of working days before it. The duration from A to B is
    number(B) - number(A): working days from A (counted) to B (not counted). DfE gives
    "the actual number of working days between the assessment being started and being
    authorised" without saying which end counts; ours gives 0 for an assessment started
    and authorised the same day (DfE's band "started and finished the same day"), and
    equals counting from the day after the start to the authorisation day whenever both
    are working days; a start or authorisation on a weekend or bank holiday counts as on
    the next working day. -#}
{% macro working_day_numbers() -%}
    select
        day,
        is_working_day,
        coalesce(sum(case when is_working_day then 1 else 0 end) over (
            order by day rows between unbounded preceding and 1 preceding
        ), 0) as working_days_before
    from (
        select
            days.day,
            extract(isodow from days.day) < 6 and holidays.holiday_date is null as is_working_day
        from (
            select cast(generate_series as date) as day
            from generate_series(date '2000-01-01', date '2030-12-31', interval 1 day)
        ) as days
        left join {{ ref('ref_bank_holidays') }} as holidays
            on days.day = holidays.holiday_date
    ) as calendar
{%- endmacro %}
