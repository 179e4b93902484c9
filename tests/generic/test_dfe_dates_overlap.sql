{#
    dfe_dates_overlap: a DfE rule that a record must not start while another is open (8820
    episodes, 8940 CPPs, 4014 CIN plans, 8863Q assessments, 8890 section 47 enquiries; with
    `span_relation`, a record of another module: 4016 CIN plan during a CPP, 4017 CPP
    during a CIN plan). Fails with each row of `relation` whose `start` falls within the
    span of another record (of `span_relation`, default `relation`) with the same `same`
    columns (the child or the episode) and, within one module, other `distinct_by` columns.
    A span runs from `span_start` (default `start`) to `span_end`, or, while `span_end` is
    empty and `open_while` holds (SQL on the span's record; 8820: not an NFA referral), to
    the end of the census year; it includes its last day only with `end_inclusive` (4014),
    so a record may start on the day another ends. The failing row names the other
    record's start in `overlapped_column`. `distinct` reads the distinct records of the
    columns used (NPD: a referral with two CPPs is two rows). `applies_when` (SQL) narrows
    both sides (NPD: the years that carry the end date). Output: `keys`, `columns`,
    `start`, the overlapped start and rows_checked. Hung on ref_dfe_rules (the `model`).
#}
{% test dfe_dates_overlap(
    model,
    rule_code,
    source,
    relation,
    keys,
    start,
    span_end,
    same,
    distinct_by=[],
    columns=[],
    span_relation=none,
    span_start=none,
    open_while='true',
    end_inclusive=false,
    overlapped_column='overlapped_start_date',
    applies_when=none,
    distinct=false
) %}
    {%- set span_start = span_start or start %}
    {%- set outputs = (keys + columns + [start]) | unique | list %}
    {%- set carried = (outputs + same + distinct_by) | unique | list %}
    {% call dq_dfe_rule(rule_code, source) %}
        with span_records as (
            select {% if distinct %}distinct{% endif %}
                {{ dq_dfe_columns(source, (same + distinct_by) | unique | list, 'module') }},
                module.{{ span_start }} as span_start,
                case
                    when module.{{ span_end }} is not null then module.{{ span_end }}
                    when {{ open_while }} then census.period_end
                end as span_end
            from ({{ dq_dfe_rows_applying(span_relation or relation, applies_when) }}) as module
            inner join {{ ref('ref_census_years') }} as census
                on module.census_year = census.census_year
        ),

        starting_records as (
            select {% if distinct %}distinct{% endif %}
                {{ dq_dfe_columns(source, carried, 'module') }}
            from ({{ dq_dfe_rows_applying(relation, applies_when) }}) as module
        ),

        -- The earliest span each starting record falls within, by a join and a group by
        -- rather than a correlated subquery: DuckDB decorrelated that into a delim join that
        -- copied every starting record into a buffer (29 CPU s for 8820 on the NPD at scale
        -- 1; 16 s this way). Grouped by every carried column of the distinct starting records.
        overlap_starts as (
            select
                {%- for column in carried %}
                this_record.{{ column }},
                {%- endfor %}
                min(other_record.span_start) as {{ overlapped_column }}
            from
                {% if distinct %}starting_records{% else %}(select distinct * from starting_records){% endif %}
                    as this_record
            inner join span_records as other_record
                on
                    {%- for column in same %}
                    other_record.{{ column }} = this_record.{{ column }} and
                    {%- endfor %}
                    {%- if distinct_by %}
                    not (
                        {%- for column in distinct_by %}
                        other_record.{{ column }} = this_record.{{ column }}
                        {%- if not loop.last %} and{% endif %}
                        {%- endfor %}
                    ) and
                    {%- endif %}
                    this_record.{{ start }} >= other_record.span_start
                    and this_record.{{ start }} {{ '<=' if end_inclusive else '<' }} other_record.span_end
            group by
                {%- for column in carried %}
                this_record.{{ column }}{% if not loop.last %},{% endif %}
                {%- endfor %}
        ),

        -- Counted in its own one-row CTE rather than by a window beside every row.
        starting_count as (
            select count(*) as rows_checked
            from starting_records
        ),

        -- Without `distinct`, a starting record met twice fails twice: each row is matched
        -- back to its (distinct) overlap.
        checked as (
            select
                {%- for column in outputs %}
                overlap_starts.{{ column }},
                {%- endfor %}
                overlap_starts.{{ overlapped_column }},
                starting_count.rows_checked
            from overlap_starts
            {%- if not distinct %}
            inner join starting_records as this_record
                on
                    {%- for column in carried %}
                    this_record.{{ column }} is not distinct from overlap_starts.{{ column }}
                    {%- if not loop.last %} and{% endif %}
                    {%- endfor %}
            {%- endif %}
            cross join starting_count
        )

        select
            checked.*,
            {{ dq_sql_string(rule_code ~ ': ' ~ start ~ ' ') }}
            || {{ dq_text(start) }}
            || ' falls within the span of the record starting '
            || {{ dq_text(overlapped_column) }} as failure_reason
        from checked
    {% endcall %}
{% endtest %}
