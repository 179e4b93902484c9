{#
    A day-by-day calendar, 2007-01-01 to 2027-12-31, with the number of England working days
    (Monday to Friday, not a bank holiday of the ref_bank_holidays seed) on or before each
    day. The working days between two dates are the difference of their counts: the days
    after the first date up to and including the second (an assessment authorised the
    next working day after it started took 1 working day). DfE methodology 2016-17 counts
    assessment durations in working days.
#}
{% macro working_day_calendar() %}
    select
        cast(calendar.day as date) as calendar_date,
        sum(
            case
                when extract(dow from calendar.day) in (0, 6) then 0
                when holidays.holiday_date is not null then 0
                else 1
            end
        ) over (order by calendar.day rows between unbounded preceding and current row)
            as working_days_to_date
    from generate_series(date '2007-01-01', date '2027-12-31', interval 1 day) as calendar (day)
    left join {{ ref('ref_bank_holidays') }} as holidays
        on cast(calendar.day as date) = holidays.holiday_date
{% endmacro %}

{#- The episode each (return, child, referral) of a module below CINdetails belongs to. -#}
{% macro episode_keys_of_records() %}
    select distinct
        source_kind,
        census_year,
        la_code,
        la_child_id,
        referral_date,
        child_id,
        episode_id
    from {{ ref('int_episode_records_linked') }}
    where episode_id is not null
{% endmacro %}
