{#
    Rebuild the XML nesting for a module below CINdetails: the child's LAchildID and the
    referral date of the CINdetails element the record sits in. Positions are unique within
    one landed file, so the join keys are the file, its load and the positions. Left joins:
    a record whose parent is missing is kept (with NULL keys), never dropped. The caller
    names every alias (`records`, and the `episodes` and `children` the joins create), so
    what a model reads is named in the model itself.
#}
{% macro xml_episode_join(records, episodes, children) -%}
    left join {{ ref('stg_xml__cin_details') }} as {{ episodes }}
        on
            {{ records }}.source_file = {{ episodes }}.source_file
            and {{ records }}.load_id = {{ episodes }}.load_id
            and {{ records }}.child_pos = {{ episodes }}.child_pos
            and {{ records }}.cin_details_pos = {{ episodes }}.cin_details_pos
    {{ xml_child_join(records, children) }}
{%- endmacro %}

{% macro xml_child_join(records, children) -%}
    left join {{ ref('stg_xml__child') }} as {{ children }}
        on
            {{ records }}.source_file = {{ children }}.source_file
            and {{ records }}.load_id = {{ children }}.load_id
            and {{ records }}.child_pos = {{ children }}.child_pos
{%- endmacro %}

{#-
    The key columns every conformed record below CINdetails starts with: the source, the
    census year and LA, the child and referral it belongs to (the episode key, BMJ Open
    2019) and the file positions that rebuild the nesting.
-#}
{% macro xml_record_keys(records, episodes, children) -%}
    'xml' as source_kind,
    {{ records }}.census_year,
    {{ records }}.la_code,
    {{ records }}.la_code_current,
    {{ records }}.is_la_split_allocation,
    {{ children }}.la_child_id,
    {{ episodes }}.referral_date,
    {{ records }}.source_file,
    {{ records }}.load_id,
    {{ records }}.source_line_number,
    1 as record_count,
    {{ records }}.child_pos,
    {{ records }}.cin_details_pos
{%- endmacro %}
