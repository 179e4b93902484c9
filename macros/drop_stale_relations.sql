{#- Drops the tables and views in the project's own schemas that no node of the project owns:
    dbt does not drop the relation of a model (seed, snapshot, stored test failures) that
    was removed or renamed, so a warehouse built before keeps the stale table, which an
    analyst could query as if it were current (e.g. intermediate.int_episode_overlaps_classified,
    removed in session 10). Run at the end of every dbt run (on-run-end in dbt_project.yml).
    The project's schemas are those its models, seeds, snapshots and tests write into
    (staging, intermediate, marts, reference, dq_failures); a schema that holds a source
    (the landing schema, raw) is never touched, nor any other schema or database. Each drop
    is logged, naming the relation. Returns a select of the number dropped (the hook's SQL:
    `cin check-return` replays it, a no-op). -#}
{% macro drop_stale_relations() %}
    {%- if not execute -%}
        {{ return('select 0 as stale_relations_dropped') }}
    {%- endif -%}
    {%- set source_schemas = [] -%}
    {%- for source in graph.sources.values() -%}
        {%- do source_schemas.append(source.schema | lower) -%}
    {%- endfor -%}
    {%- set schemas = [] -%}
    {%- set owned = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ('model', 'seed', 'snapshot', 'test')
        and node.database == target.database -%}
        {%- set schema = node.schema | lower -%}
        {%- do owned.append(schema ~ '.' ~ (node.alias | lower)) -%}
        {%- if schema not in source_schemas and schema not in schemas -%}
            {%- do schemas.append(schema) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not schemas -%}
        {{ return('select 0 as stale_relations_dropped') }}
    {%- endif -%}
    {%- set listed -%}
        select table_schema, table_name, table_type
        from information_schema.tables
        where
            table_catalog = '{{ target.database }}'
            and lower(table_schema) in ('{{ schemas | join("', '") }}')
        order by table_schema, table_name
    {%- endset -%}
    {%- set dropped = namespace(count=0) -%}
    {%- for row in run_query(listed).rows -%}
        {%- if (row[0] | lower) ~ '.' ~ (row[1] | lower) not in owned -%}
            {%- set kind = 'view' if row[2] == 'VIEW' else 'table' -%}
            {%- do run_query(
                'drop ' ~ kind ~ ' if exists ' ~ adapter.quote(target.database) ~ '.'
                ~ adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1])
            ) -%}
            {%- do log(
                'drop_stale_relations: dropped ' ~ kind ~ ' ' ~ row[0] ~ '.' ~ row[1]
                ~ ': no model, seed, snapshot or test of the project owns it',
                info=true
            ) -%}
            {%- set dropped.count = dropped.count + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('select ' ~ dropped.count ~ ' as stale_relations_dropped') }}
{% endmacro %}
