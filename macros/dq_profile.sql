{#
    The data-quality profile of staged records (models/marts/quality). Staging follows one
    naming convention for every value it types (macros/staging/stage_values.sql): a value
    `<name>` keeps companions `<stem>_raw`, `is_<stem>_recoded`, `is_<stem>_unparseable`,
    `is_<stem>_placeholder` (and `is_sex_unrecognised` in the XML child module). So the
    variables of a staging model and their flags are read from its built columns, not
    listed again here: a variable added by the code generator is profiled without an edit.
#}

{#- Columns that say where a record came from, not what it says. -#}
{% macro dq_provenance_columns() -%}
    {{ return([
        'census_year', 'source_file', 'source_line_number', 'load_id', 'la_code_current',
        'is_la_split_allocation', 'la_code_duplicate', 'is_closure_before_referral',
        'is_sex_indeterminate'
    ]) }}
{%- endmacro %}

{% macro dq_flag_suffixes() -%}
    {{ return({
        'recoded': ['recoded'],
        'failed': ['unparseable', 'placeholder', 'unrecognised']
    }) }}
{%- endmacro %}

{#-
    The staged variables of `relation`: a list of {name, recoded: [flag columns],
    failed: [flag columns]}. Empty while dbt parses (the relation is read when it runs).
-#}
{% macro dq_staged_variables(relation) %}
    {%- set variables = [] -%}
    {%- if execute -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name')
            | map('lower') | list -%}
        {%- set suffixes = dq_flag_suffixes() -%}
        {%- set companions = [] -%}
        {%- for name in names -%}
            {%- for kind in ['recoded', 'failed'] -%}
                {%- for suffix in suffixes[kind] -%}
                    {%- if name.startswith('is_') and name.endswith('_' ~ suffix) -%}
                        {%- do companions.append(name) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for name in names -%}
            {%- if name not in dq_provenance_columns() and name not in companions
                and not name.endswith('_raw') and not name.endswith('_pos') -%}
                {%- set stem = value_stem(name) -%}
                {%- set flags = {'recoded': [], 'failed': []} -%}
                {%- for kind in ['recoded', 'failed'] -%}
                    {%- for suffix in suffixes[kind] -%}
                        {%- if 'is_' ~ stem ~ '_' ~ suffix in names -%}
                            {%- do flags[kind].append('is_' ~ stem ~ '_' ~ suffix) -%}
                        {%- endif -%}
                    {%- endfor -%}
                {%- endfor -%}
                {%- do variables.append(
                    {'name': name, 'recoded': flags['recoded'], 'failed': flags['failed']}
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(variables) }}
{% endmacro %}

{#- True when any of `columns` is true (false for none): a record-level OR of flags. -#}
{% macro dq_any(columns) -%}
    {%- if columns -%}coalesce({{ columns | join(' or ') }}, false){%- else -%}false{%- endif -%}
{%- endmacro %}

{#-
    The staging models each source's data-quality profile reads: every record-level model
    of the NPD extract and of the LA census return (the XML header is one per file).
-#}
{% macro dq_staging_models() -%}
    {{ return([
        ('npd', 'stg_npd__cin'),
        ('npd', 'stg_npd__disabilities'),
        ('xml', 'stg_xml__child'),
        ('xml', 'stg_xml__disability'),
        ('xml', 'stg_xml__cin_details'),
        ('xml', 'stg_xml__assessment'),
        ('xml', 'stg_xml__assessment_factor'),
        ('xml', 'stg_xml__cin_plan_dates'),
        ('xml', 'stg_xml__section47'),
        ('xml', 'stg_xml__cpp'),
        ('xml', 'stg_xml__cpp_review')
    ]) }}
{%- endmacro %}

{#-
    Every staged record of every model of dq_staging_models(), one row each: source,
    census year, LA, and whether staging recoded or failed any of its values.
-#}
{% macro dq_staged_record_flags() %}
    {%- for source_kind, model in dq_staging_models() %}
        {%- set recoded = [] %}
        {%- set failed = [] %}
        {%- for variable in dq_staged_variables(ref(model)) %}
            {%- do recoded.extend(variable.recoded) %}
            {%- do failed.extend(variable.failed) %}
        {%- endfor %}
    select
        census_year,
        la_code,
        '{{ source_kind }}' as source_kind,
        {{ dq_any(recoded) }} as has_recoded_value,
        {{ dq_any(failed) }} as has_failed_value
    from {{ ref(model) }}
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- endfor %}
{% endmacro %}

{#-
    The counts behind dq_variable_year, as one query: one scan per staging model of
    dq_staging_models() counting every variable's present, recoded and failed values per
    census year, then one row per model, variable and census year. While dbt parses (no
    built models) an empty relation of the same shape.
-#}
{% macro dq_variable_year_counts() %}
    {%- set profiled = [] %}
    {%- for source_kind, model in dq_staging_models() %}
        {%- set variables = dq_staged_variables(ref(model)) %}
        {%- if variables %}
            {%- do profiled.append((source_kind, model, variables)) %}
        {%- endif %}
    {%- endfor %}
    {#- count_if, not count(*) filter (where ...): DuckDB 2.0 runs each FILTER clause as
        its own selection over the rows, and stg_npd__cin has about 100 of them. At
        national scale dq_variable_year alone, alternated: 14.6, 17.3 -> 2.6, 2.8 CPU s
        (the same 990 rows). count_if gives a HUGEINT: cast back. And NULL, not 0, over
        rows whose conditions are all NULL (count(*) FILTER gives 0): safe here only because
        dq_any is never NULL. #}
    {%- if profiled %}
    with
        {%- for source_kind, model, variables in profiled %}
    counted__{{ model }} as (
        select
            census_year,
            count(*) as records
            {%- for variable in variables %},
            count({{ variable.name }}) as {{ variable.name }}__present,
            cast(count_if({{ dq_any(variable.recoded) }}) as bigint) as {{ variable.name }}__recoded,
            cast(count_if({{ dq_any(variable.failed) }}) as bigint) as {{ variable.name }}__failed
            {%- endfor %}
        from {{ ref(model) }}
        group by census_year
    ){{ ',' if not loop.last }}
        {%- endfor %}
        {%- for source_kind, model, variables in profiled %}
            {%- set outer = loop %}
            {%- for variable in variables %}
    select
        census_year,
        records,
        '{{ source_kind }}' as source_kind,
        '{{ model }}' as staging_model,
        '{{ variable.name }}' as variable_name,
        {{ variable.name }}__recoded as records_recoded,
        {{ variable.name }}__failed as records_failed,
        records - {{ variable.name }}__present as records_missing
    from counted__{{ model }}
                {%- if not (outer.last and loop.last) %}
    union all
                {%- endif %}
            {%- endfor %}
        {%- endfor %}
    {%- else %}
    select
        cast(null as integer) as census_year,
        cast(null as bigint) as records,
        cast(null as varchar) as source_kind,
        cast(null as varchar) as staging_model,
        cast(null as varchar) as variable_name,
        cast(null as bigint) as records_recoded,
        cast(null as bigint) as records_failed,
        cast(null as bigint) as records_missing
    where false
    {%- endif %}
{% endmacro %}
