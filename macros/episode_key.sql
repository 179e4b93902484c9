{#
    The episode key: LA + LAchildID + referral date (BMJ Open 2019). LAchildID is unique
    only within an LA, so the LA is part of the key. One definition, used everywhere.
#}
{% macro episode_key(la_code, la_child_id, referral_date) -%}
    concat_ws('|', {{ la_code }}, {{ la_child_id }}, strftime({{ referral_date }}, '%Y-%m-%d'))
{%- endmacro %}
