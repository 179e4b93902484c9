{#
    dfe_flagged: a DfE rule whose check a quality model computes beside other rules' in one
    pass over a large table (models/marts/quality, e.g. dq_npd_episode_order for the NPD's
    episode rules 8815 and 8820): the test selects the rows of `relation` for which
    `flagged_when` (SQL on its columns) holds, with its `keys` and `columns` (SQL select
    items, in order), the model's count of the rows the rule checked (`rows_checked`, a
    column) and `reason` (a SQL expression) as failure_reason; `distinct` gives each failing
    row once (a rule on the child read from a model of episodes). Hung on ref_dfe_rules (the
    `model`); see dq_dfe_rule.
#}
{% test dfe_flagged(
    model, rule_code, source, relation, keys, columns, flagged_when, rows_checked, reason, distinct=false
) %}
    {% call dq_dfe_rule(rule_code, source) %}
        select {% if distinct %}distinct{% endif %}
            {{ (keys + columns) | join(',\n            ') }},
            {{ rows_checked }} as rows_checked,
            {{ reason }} as failure_reason
        from {{ relation }}
        where {{ flagged_when }}
    {% endcall %}
{% endtest %}
