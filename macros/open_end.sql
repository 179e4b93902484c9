{#- An end date that may be missing (an episode or record still open), as a date to order
    and compare spans by: an open span ends after every real date. One sentinel for the
    models that compare spans (int_episodes_rebuilt's overlap hosts, dq_la_year's records
    and overlaps). -#}
{% macro open_end(end_column) -%}
    coalesce({{ end_column }}, date '9999-12-31')
{%- endmacro %}
