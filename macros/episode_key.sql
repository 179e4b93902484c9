{#
    The keys of the rebuilt entities, one definition each (deterministic md5 text, so a key
    is the same in every build and never depends on row order).
    Child key = source + harmonised LA + LAchildID (BMJ Open 2019: LAchildID is unique only
    within an LA, so the LA is part of the key; docs/cin_census.md §5 for the harmonised LA).
    Episode key = child + referral date (BMJ Open 2019, "Data structure"), the referral
    date being the one the latest return carries.
    Plan key = child + CPP start date (a child has one plan at a time, rule 8935).
#}
{% macro child_key(source_kind, la_code_current, la_child_id) -%}
    md5(concat_ws('|', 'child', {{ source_kind }}, {{ la_code_current }}, {{ la_child_id }}))
{%- endmacro %}

{#- The child keys a record must look up to find its child's LA: only a key submitted under a
    split LA can belong to a child of another LA than its records' la_code_current
    (int_child_keys_resolved, whose data test says so); every other record's child LA is its
    la_code_current, so the records join these few keys, not every child key. -#}
{% macro split_child_keys() -%}
    select
        source_kind,
        la_code,
        la_child_id,
        child_la_code
    from {{ ref('int_child_keys_resolved') }}
    where is_la_split_allocation
{%- endmacro %}

{#- The order in which a module's records were returned, for arg_max/arg_min of "the latest
    (earliest) record": the census year, then, for records of one year that share a key
    (e.g. two without start dates), the later line, the load and the record's place in the
    return. A total order, so the same record wins in every build (arg_max and arg_min pick
    any one of tied rows). -#}
{% macro return_order(line_column, position_column, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    (
        {{ prefix }}census_year,
        {{ prefix }}{{ line_column }},
        {{ prefix }}load_id,
        {{ prefix }}child_pos,
        {{ prefix }}cin_details_pos,
        {{ prefix }}{{ position_column }}
    )
{%- endmacro %}

{% macro episode_key(child_id, referral_date) -%}
    md5(concat_ws('|', 'episode', {{ child_id }}, strftime({{ referral_date }}, '%Y-%m-%d')))
{%- endmacro %}

{% macro cpp_key(child_id, cpp_start_date) -%}
    md5(concat_ws('|', 'cpp', {{ child_id }}, strftime({{ cpp_start_date }}, '%Y-%m-%d')))
{%- endmacro %}

{#- The census year (ending 31 March) a date falls in: 2016-04-01 .. 2017-03-31 -> 2017. -#}
{% macro census_year_of(date_expression) -%}
    cast(extract(year from {{ date_expression }}) as integer)
    + cast(extract(month from {{ date_expression }}) >= 4 as integer)
{%- endmacro %}

{#- 31 March, the end of a census year (DfE's ReferenceDate). -#}
{% macro census_year_end(census_year) -%}
    make_date(cast({{ census_year }} as integer), 3, 31)
{%- endmacro %}

{#- The join condition of a module record (assessment, s47, plan, CIN plan) to the episode
    keys of its return's CIN record: the same source, census year, LA, LAchildID and
    referral date (the module's record sits under that CINdetails in the return). -#}
{% macro same_episode_record(left, right) -%}
    {{ left }}.source_kind = {{ right }}.source_kind
    and {{ left }}.census_year = {{ right }}.census_year
    and {{ left }}.la_code = {{ right }}.la_code
    and {{ left }}.la_child_id = {{ right }}.la_child_id
    and {{ left }}.referral_date = {{ right }}.referral_date
{%- endmacro %}

{#- The episode each (return, child, referral) of a module below CINdetails belongs to. -#}
{% macro episode_keys_of_records() %}
    select distinct
        source_kind,
        census_year,
        la_code,
        la_child_id,
        referral_date,
        child_id,
        episode_id
    from {{ ref('int_episode_records_linked') }}
    where episode_id is not null
{% endmacro %}
