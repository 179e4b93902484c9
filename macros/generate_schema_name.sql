{#
    Build each layer in a schema named for the layer (staging, intermediate, marts,
    reference) rather than dbt's default "<target schema>_<custom schema>", so analysts
    query marts.fct_episode, not main_marts.fct_episode.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
