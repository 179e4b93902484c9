{#
    Provenance every staged record keeps (docs/architecture.md "Land as delivered"): the census year,
    the file and line it came from, and the load (raw._loads) that landed it. The raw
    columns are the loader's (`_census_year`, `_source_file`, `_line_number`, `_load_id`).
#}
{% macro npd_provenance() -%}
    cast(_census_year as integer) as census_year,
    _source_file as source_file,
    _line_number as source_line_number,
    _load_id as load_id
{%- endmacro %}

{#-
    XML modules also carry the submitting LA (the LEA of the return's header), with the
    LA harmonisation columns (macros/staging/la_codes.sql).
-#}
{% macro xml_provenance() -%}
    {{ npd_provenance() }},
    {{ blank_to_null('_la_code') }} as la_code,
    {{ la_harmonisation(blank_to_null('_la_code')) }}
{%- endmacro %}

{#
    The NPD LA code as submitted. Some extracts carry the LA twice, in CIN_LA and in
    CIN_CIN_LA (docs/cin_census.md §3b; the ECHILD cleaning code coalesces them); the loader lands
    CIN_CIN_LA as its own column in every year that has CIN_LA. `la_code` takes the first
    non-blank of the two, `la_code_duplicate` keeps CIN_CIN_LA (trimmed) so that a
    disagreement stays visible. 2008/09 has no CIN_LA: `la_column` is CIN_LA_09 there and
    there is no duplicate.
#}
{% macro npd_la_code(la_column, duplicate_column=none) -%}
    {%- if duplicate_column is none -%}
    {{ blank_to_null(la_column) }} as la_code,
    cast(null as varchar) as la_code_duplicate
    {%- else -%}
    coalesce({{ blank_to_null(la_column) }}, {{ blank_to_null(duplicate_column) }}) as la_code,
    {{ blank_to_null(duplicate_column) }} as la_code_duplicate
    {%- endif -%}
{%- endmacro %}

{#
    The loads of an NPD staging relation, numbered: one row per (source_file, load_id), with
    `load_number`. The conformed NPD models group rows into records with the load among the
    keys; grouping by this number instead of the two long strings (a 51-character path and a
    32-character id, copied into each of the 14-16 million groups at national scale), then
    joining the strings back, gives the same records in fewer CPU seconds: at national scale
    int_records_conformed__episode_year took 34.3 CPU s instead of 37.8 and
    int_records_conformed__child_year 35.3 instead of 40.7 (2 threads, 2.5 GB, two runs
    each, alternated). The joins match NULLs too (`npd_load_matches`), as the
    grouping did, so that no row is lost. Not for int_records_conformed__cpp_year: it groups
    only the 1.6M plan rows, where numbering the loads (a pass over all rows) cost more than
    it saved (5.8 CPU s against 4.3).
#}
{% macro npd_loads(relation) -%}
    select
        source_file,
        load_id,
        row_number() over () as load_number
    from (select distinct source_file, load_id from {{ relation }}) as distinct_loads
{%- endmacro %}

{#- The join condition of staged NPD rows to their numbered load (npd_loads). -#}
{% macro npd_load_matches(rows, loads) -%}
    {{ rows }}.source_file is not distinct from {{ loads }}.source_file
    and {{ rows }}.load_id is not distinct from {{ loads }}.load_id
{%- endmacro %}
