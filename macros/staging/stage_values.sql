{#
    Typing macros shared by every staging model (NPD years and XML modules): one place for
    each casting rule. Raw values are text as delivered (docs/architecture.md "Land as delivered").

    Each macro takes the raw column (an expression) and the staging name, and emits the
    typed column plus its companions, always with the same names:

      <name>                  the typed value, NULL when the raw text is empty, a placeholder
                              or cannot be cast
      <stem>_raw              the raw text exactly as delivered, kept only when staging did
                              not take it as is (cast failed, placeholder date, recoded
                              code); NULL otherwise, so `<stem>_raw is not null` finds every
                              changed value
      is_<stem>_unparseable   non-empty text that cannot be cast to the type
      is_<stem>_placeholder   (dates) a placeholder date turned into NULL
      is_<stem>_recoded       (codes) a legacy or badly cased value mapped to a current code

    <stem> is the name without a leading `is_`/`has_` (flags: `is_referral_nfa` has
    `referral_nfa_raw` and `is_referral_nfa_unparseable`). Flags are never NULL: false
    when the value is absent. Blank text (empty or only spaces) is a missing value, not a
    failed cast. The `absent_*` twins emit the same columns as typed NULLs (flags false)
    for a variable the census year does not have, so every year unions cleanly (docs/architecture.md,
    Cal-ITP per-year staging + union pattern).

    Each value is cleaned and parsed ONCE, in two CTEs before the typing one, and the typed
    column and its companions are derived from those columns:

      cleaned   `{{ clean_value(raw) }}`: `<raw>__text`, the raw text trimmed, blank = NULL
      parsed    `{{ parse_date(raw) }}`, `parse_cast`, `parse_flag`, `parse_coded`:
                `<raw>__parsed`, the value parsed from `<raw>__text`
      staged    `{{ stage_date(raw, name) }}` ... reads `<raw>`, `<raw>__text`, `<raw>__parsed`

    Written in one select, each companion re-derived the text and the parsed value (a
    legacy code's `case` of 16 branches trimmed its raw text in each branch of each of its
    three columns) and DuckDB's optimizer spent its planning time finding the repeats
    again. Measured (one thread, same results): planning the 18-year NPD union 0.74 -> 0.38
    s of CPU, typing 2014/15's 1.07M rows 1.70 -> 1.62 s. The rest of a year's time is
    writing its table.
#}

{% macro value_stem(name) -%}
    {%- if name.startswith('is_') -%}{{ name[3:] }}
    {%- elif name.startswith('has_') -%}{{ name[4:] }}
    {%- else -%}{{ name }}
    {%- endif -%}
{%- endmacro %}

{#- Blank text is a missing value: trim it, and turn '' into NULL. -#}
{% macro blank_to_null(raw) -%}
    nullif(trim({{ raw }}), '')
{%- endmacro %}

{#- The `cleaned` CTE: the raw column's text, trimmed, blank as NULL, as `<raw>__text`. -#}
{% macro clean_value(raw) -%}
    {{ blank_to_null(raw) }} as {{ raw }}__text
{%- endmacro %}

{#-
    Placeholder dates some LA systems write for "unknown" (docs/cin_census.md §3b). They cast
    cleanly, so they must be caught before use: they become NULL with a flag.
-#}
{% macro placeholder_dates() -%}
    (date '1800-01-01', date '1900-01-01')
{%- endmacro %}

{#- Dates are ISO text (YYYY-MM-DD), as DfE's schema and the NPD write them. -#}
{% macro parse_date(raw) -%}
    try_cast({{ raw }}__text as date) as {{ raw }}__parsed
{%- endmacro %}

{% macro stage_date(raw, name) -%}
    {%- set text = raw ~ '__text' -%}
    {%- set parsed = raw ~ '__parsed' -%}
    {%- set stem = value_stem(name) -%}
    case when {{ parsed }} not in {{ placeholder_dates() }} then {{ parsed }} end as {{ name }},
    case
        when {{ text }} is not null
            and ({{ parsed }} is null or {{ parsed }} in {{ placeholder_dates() }})
            then {{ raw }}
    end as {{ stem }}_raw,
    coalesce({{ parsed }} in {{ placeholder_dates() }}, false) as is_{{ stem }}_placeholder,
    ({{ text }} is not null and {{ parsed }} is null) as is_{{ stem }}_unparseable
{%- endmacro %}

{% macro absent_date(name) -%}
    {%- set stem = value_stem(name) -%}
    cast(null as date) as {{ name }},
    cast(null as varchar) as {{ stem }}_raw,
    false as is_{{ stem }}_placeholder,
    false as is_{{ stem }}_unparseable
{%- endmacro %}

{#- Numbers and timestamps: `data_type` is the SQL type (integer, double, timestamp). -#}
{% macro parse_cast(raw, data_type) -%}
    try_cast({{ raw }}__text as {{ data_type }}) as {{ raw }}__parsed
{%- endmacro %}

{% macro stage_cast(raw, name) -%}
    {%- set text = raw ~ '__text' -%}
    {%- set parsed = raw ~ '__parsed' -%}
    {%- set stem = value_stem(name) -%}
    {{ parsed }} as {{ name }},
    case when {{ text }} is not null and {{ parsed }} is null then {{ raw }} end as {{ stem }}_raw,
    ({{ text }} is not null and {{ parsed }} is null) as is_{{ stem }}_unparseable
{%- endmacro %}

{% macro absent_cast(name, data_type) -%}
    {%- set stem = value_stem(name) -%}
    cast(null as {{ data_type }}) as {{ name }},
    cast(null as varchar) as {{ stem }}_raw,
    false as is_{{ stem }}_unparseable
{%- endmacro %}

{#-
    Yes/no values: DfE's schema writes 0/1; some case systems write true/false in any
    case, which must be accepted (docs/cin_census.md §3a; DfE validation rule 8568).
-#}
{% macro yes_no(text) -%}
    case
        when lower({{ text }}) in ('1', 'true') then true
        when lower({{ text }}) in ('0', 'false') then false
    end
{%- endmacro %}

{% macro parse_flag(raw) -%}
    {{ yes_no(raw ~ '__text') }} as {{ raw }}__parsed
{%- endmacro %}

{% macro stage_flag(raw, name) -%}
    {%- set text = raw ~ '__text' -%}
    {%- set parsed = raw ~ '__parsed' -%}
    {%- set stem = value_stem(name) -%}
    {{ parsed }} as {{ name }},
    case when {{ text }} is not null and {{ parsed }} is null then {{ raw }} end as {{ stem }}_raw,
    ({{ text }} is not null and {{ parsed }} is null) as is_{{ stem }}_unparseable
{%- endmacro %}

{% macro absent_flag(name) -%}
    {%- set stem = value_stem(name) -%}
    cast(null as boolean) as {{ name }},
    cast(null as varchar) as {{ stem }}_raw,
    false as is_{{ stem }}_unparseable
{%- endmacro %}

{#- Codes without a legacy-value map and free text: trimmed, upper-cased, blank = NULL. -#}
{% macro stage_code(raw, name) -%}
    upper({{ blank_to_null(raw) }}) as {{ name }}
{%- endmacro %}

{% macro stage_text(raw, name) -%}
    {{ blank_to_null(raw) }} as {{ name }}
{%- endmacro %}

{% macro absent_value(name) -%}
    cast(null as varchar) as {{ name }}
{%- endmacro %}

{#-
    Codes with legacy values (docs/cin_census.md §3b): mapped to the current code by
    `current_code` (macros/staging/legacy_codes.sql, from the ref_codes seed) for the
    census year `census_year`. A value counts as recoded when the staged code differs
    from the delivered text in any way: `A2` -> `N2`, `rc1` -> `RC1`, and padding
    (` N1 ` -> `N1`, as fixed-width exports leave it) all are recodes.
-#}
{% macro parse_coded(raw, code_list, census_year) -%}
    {{ current_code(code_list, raw ~ '__text', census_year) }} as {{ raw }}__parsed
{%- endmacro %}

{% macro stage_coded(raw, name) -%}
    {%- set text = raw ~ '__text' -%}
    {%- set mapped = raw ~ '__parsed' -%}
    {%- set stem = value_stem(name) -%}
    {%- set recoded = 'coalesce(' ~ mapped ~ ' <> ' ~ raw ~ ', ' ~ text ~ ' is not null)' -%}
    {{ mapped }} as {{ name }},
    case when {{ recoded }} then {{ raw }} end as {{ stem }}_raw,
    {{ recoded }} as is_{{ stem }}_recoded
{%- endmacro %}

{% macro absent_coded(name) -%}
    {%- set stem = value_stem(name) -%}
    cast(null as varchar) as {{ name }},
    cast(null as varchar) as {{ stem }}_raw,
    false as is_{{ stem }}_recoded
{%- endmacro %}

{#-
    A closure date before its referral date, a typing mistake real extracts carry
    (docs/cin_census.md §3b): flagged, both dates kept as delivered (the episode models decide).
-#}
{% macro closure_before_referral(closure_date, referral_date) -%}
    coalesce({{ closure_date }} < {{ referral_date }}, false) as is_closure_before_referral
{%- endmacro %}
