{#- Where DuckDB spills, when CIN_DUCKDB_TEMP_DIRECTORY names a folder: set once, at the
    start of a run (on-run-start in dbt_project.yml), before anything has spilled. Not a
    profile setting: dbt-duckdb re-runs those on every new cursor, and DuckDB refuses to
    move its temp directory once it has been used (profiles.yml says more). Without the
    variable DuckDB's default holds: beside the database file (<path>.tmp). -#}
{% macro duckdb_temp_directory() %}
    {%- set folder = env_var('CIN_DUCKDB_TEMP_DIRECTORY', '') -%}
    {%- if folder -%}
        set temp_directory = '{{ folder | replace("'", "''") }}'
    {%- else -%}
        select 'temp_directory: DuckDB default' as duckdb_temp_directory
    {%- endif -%}
{% endmacro %}
