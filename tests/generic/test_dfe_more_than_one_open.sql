{#
    dfe_more_than_one_open: a DfE rule that a child or an episode has at most one open
    record of a module (8815 episodes, 8935 CPPs, 4004 CIN plans, 8896 assessments, 8839
    section 47 enquiries). Fails with each group (`group_by`: the child or the episode) with
    more than one record for which `open_when` (SQL on `columns`) holds, with their number
    in `open_records`. `distinct` counts the distinct records of `group_by` and `columns`
    (NPD: a referral with two CPPs is two rows); `applies_when` narrows the records (NPD: the
    years that carry the end date). Hung on ref_dfe_rules (the `model`); see dq_dfe_rule.
#}
{% test dfe_more_than_one_open(
    model,
    rule_code,
    source,
    relation,
    group_by,
    columns,
    open_when,
    distinct=false,
    applies_when=none
) %}
    {% call dq_dfe_rule(rule_code, source) %}
        with open_candidates as (
            select {% if distinct %}distinct{% endif %}
                {{ dq_dfe_columns(source, group_by + columns, 'module') }}
            from ({{ dq_dfe_rows_applying(relation, applies_when) }}) as module
        ),

        open_counts as (
            select
                {{ group_by | join(', ') }},
                count(*) filter (where {{ open_when }}) as open_records
            from open_candidates
            group by {{ group_by | join(', ') }}
        ),

        -- The groups counted in a one-row CTE rather than by a window beside every group,
        -- which held every group in memory at once.
        checked_count as (
            select count(*) as rows_checked
            from open_counts
        )

        select
            {%- for column in group_by %}
            open_counts.{{ column }},
            {%- endfor %}
            open_counts.open_records,
            checked_count.rows_checked,
            {{ dq_sql_string(rule_code ~ ': ') }}
            || open_counts.open_records
            || ' open records where one at most may be open' as failure_reason
        from open_counts
        cross join checked_count
        where open_counts.open_records > 1
    {% endcall %}
{% endtest %}
