{#
    The keys of the rebuilt entities, one definition each (deterministic, so a key is the
    same in every build and never depends on row order).
    Child key = source + harmonised LA + LAchildID (BMJ Open 2019: LAchildID is unique only
    within an LA, so the LA is part of the key; docs/cin_census.md §5 for the harmonised LA).
    Episode key = child + referral date (BMJ Open 2019, "Data structure"), the referral
    date being the one the latest return carries.
    Plan key = child + CPP start date (a child has one plan at a time, rule 8935).
#}

{#- THE key rule, the one place every key of the rebuild is made: the md5 of its parts
    joined by '|' (the kind first, when given), typed as DuckDB's 128-bit UUID. The same
    128 bits as the md5 hex text the keys were before this type (md5(x)::uuid shows them
    8-4-4-4-12 with hyphens, and orders as the hex text does), but a fixed 16-byte value,
    which DuckDB packs, hashes and compresses where 32-character text it cannot: on
    fct_episode's 11.2M rows at scale 1 (DuckDB 2.0.1, 2 threads) its five key columns
    took 39.9-40.3 CPU s to write as text, 3.5-4.0 as uuid; the self-join
    episode_id = overlap_host_episode_id 4.4-4.9 CPU s as text, 1.5-1.9 as uuid; a group
    by child_id with min(episode_id) 20.9-21.9 as text, 5.0-5.2 as uuid.
    A key made from another key takes that key as key_text (32 hex digits, no hyphens),
    so every key keeps the value it had as text: a derived key is still the md5 of the
    same text as before (issue 16; a researcher's saved keys still match once the hyphens
    are removed). -#}
{% macro hashed_key(kind) -%}
    cast(md5(concat_ws(
        '|', {% if kind %}'{{ kind }}', {% endif %}{{ varargs | join(', ') }}
    )) as uuid)
{%- endmacro %}

{#- A key as the text it was hashed from as part of another key (hashed_key): its 32 hex
    digits without the hyphens of the UUID's text, the md5 text the key was before it
    was typed as a UUID. -#}
{% macro key_text(key) -%}
    replace(cast({{ key }} as varchar), '-', '')
{%- endmacro %}

{% macro child_key(source_kind, la_code_current, la_child_id) -%}
    {{ hashed_key('child', source_kind, la_code_current, la_child_id) }}
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

{#- The join condition of two relations at the child grain (source_kind, child_la_code,
    la_child_id): the natural columns of the child key, joined on inline where the md5
    child_id is not yet made (int_children_identified, int_referral_date_amendments). -#}
{% macro same_child(left, right) -%}
    {{ left }}.source_kind = {{ right }}.source_kind
    and {{ left }}.child_la_code = {{ right }}.child_la_code
    and {{ left }}.la_child_id = {{ right }}.la_child_id
{%- endmacro %}

{#- The order in which records were returned, ONE list of fields, from which both forms of
    "the latest (earliest) record" are rendered (return_order, return_order_packed): the
    census year, then, for records of one year that share a key (e.g. two without start
    dates), the later line, the load and the record's place in the return (Child,
    CINdetails). A total order, so the same record wins in every build (arg_max and arg_min
    pick any one of tied rows). `bits` is each field's width in the packed form (124 of a
    hugeint's 127 value bits); `packed_column` the column the packed form reads in its
    place (the load's rank in load_id order, which a text id cannot be packed as). -#}
{% macro return_order_fields(line_column) -%}
    {{ return([
        {'column': 'census_year', 'bits': 12},
        {'column': line_column, 'bits': 40},
        {'column': 'load_id', 'bits': 24, 'packed_column': 'load_rank'},
        {'column': 'child_pos', 'bits': 24},
        {'column': 'cin_details_pos', 'bits': 24},
    ]) }}
{%- endmacro %}

{#- The return order as a row value, for a module below CINdetails: return_order_fields,
    then the record's place within its CINdetails (position_column). -#}
{% macro return_order(line_column, position_column, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    (
    {%- for field in return_order_fields(line_column) %}
        {{ prefix }}{{ field.column }},
    {%- endfor %}
        {{ prefix }}{{ position_column }}
    )
{%- endmacro %}

{#- The return order packed into one 128-bit number (the fields of return_order_fields, each
    shifted to its place): a fixed-size key for a large aggregate, where each arg_max state
    of a row value holds a variable-size key (int_episodes_folded ran out of 3 GB so at
    national scale). It orders as the row value does: a NULL field packs as its greatest
    value (a row value puts NULL last), so a non-null value must lie below that; a record
    beyond the widths stops the build (`record_label`: an SQL text naming it), never a
    wrong order. -#}
{% macro return_order_packed(line_column, record_label, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set fields = return_order_fields(line_column) -%}
    {%- set total_bits = fields | sum(attribute='bits') -%}
    {%- if total_bits > 127 -%}
        {{ exceptions.raise_compiler_error(
            'return_order_fields: ' ~ total_bits ~ ' bits do not fit a hugeint (127)'
        ) }}
    {%- endif -%}
    {%- set packed = [] -%}
    {%- set remaining = namespace(bits=total_bits) -%}
    {%- for field in fields -%}
        {%- set remaining.bits = remaining.bits - field.bits -%}
        {%- do packed.append({
            'column': prefix ~ field.get('packed_column', field.column),
            'greatest': 2 ** field.bits - 1,
            'shift': remaining.bits,
        }) -%}
    {%- endfor -%}
    case
        when
        {%- for field in packed %}
            {% if not loop.first %}and {% endif -%}
            ({{ field.column }} is null or {{ field.column }} between 0 and {{ field.greatest - 1 }})
        {%- endfor %}
            then
            {%- for field in packed %}
                {% if not loop.first %}| {% endif -%}
                (cast(coalesce({{ field.column }}, {{ field.greatest }}) as hugeint) << {{ field.shift }})
            {%- endfor %}
        else cast(error(
            {{ record_label }}
            || ' lies beyond the widths of the packed return order'
            || ' (return_order_fields, macros/episode_key.sql)'
        ) as hugeint)
    end
{%- endmacro %}

{#- The 64-bit hash by which a record finds its load (int_episodes_folded). The variable
    `load_hash_bits` keeps only that many of its high bits: a narrower hash makes loads
    share one, so a test can make the guard against a shared hash fire (never set
    otherwise). -#}
{% macro load_hash(load_id) -%}
    {%- set bits = var('load_hash_bits', 64) | int -%}
    {%- if bits < 1 or bits > 64 -%}
        {{ exceptions.raise_compiler_error(
            'load_hash_bits must be a whole number from 1 to 64, not '
            ~ var('load_hash_bits')
        ) }}
    {%- elif bits == 64 -%}
        hash({{ load_id }})
    {%- else -%}
        (hash({{ load_id }}) >> {{ 64 - bits }})
    {%- endif -%}
{%- endmacro %}

{% macro episode_key(child_id, referral_date) -%}
    {{ hashed_key('episode', key_text(child_id), "strftime(" ~ referral_date ~ ", '%Y-%m-%d')") }}
{%- endmacro %}

{% macro cpp_key(child_id, cpp_start_date) -%}
    {{ hashed_key('cpp', key_text(child_id), "strftime(" ~ cpp_start_date ~ ", '%Y-%m-%d')") }}
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
