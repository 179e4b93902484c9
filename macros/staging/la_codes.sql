{#
    The current LA a submitted 3-digit LA code maps to, across the reorganisations of
    docs/cin_census.md §5. Mergers map to the new LA (Poole, Bournemouth -> 839). A split LA
    (Bedfordshire 820, Cheshire 875, Dorset 835, Northamptonshire 928, Cumbria 909) cannot
    be divided from one record, so it is allocated to one successor, the one with more
    children (Dorset: the county's own successor 838), and `is_la_split_allocation` says
    so; researchers who need the area use the harmonised area of the LA seed. For 2008/09
    records, pass CIN_LA_LGR (the post-April-2009 LA) first: it resolves the 2009 splits.
    The choices live in one place, the LA seed (`ref_la_harmonisation`), read when the
    model is built and written into its SQL.
#}
{% macro la_reorganisations() -%}
    {#- Submitted code -> (current code, is a split allocation), from the LA seed: the
        rows whose current LA differs from the submitted one, or that allocate a split. -#}
    {%- set seed = ref('ref_la_harmonisation') -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if load_relation(seed) is none -%}
        {%- if flags.WHICH in ('run', 'build') -%}
            {{ exceptions.raise_compiler_error(
                "staging needs the ref_la_harmonisation seed: run `dbt seed` first"
            ) }}
        {%- endif -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set query -%}
        select
            cast(submitted_la_code as varchar) as submitted_la_code,
            cast(current_la_code as varchar) as current_la_code,
            cast(is_split_allocation as boolean) as is_split_allocation
        from {{ seed }}
        where cast(submitted_la_code as varchar) <> cast(current_la_code as varchar)
            or cast(is_split_allocation as boolean)
        order by 1
    {%- endset -%}
    {%- set mapping = {} -%}
    {%- for row in run_query(query).rows -%}
        {%- do mapping.update({row[0]: (row[1], row[2])}) -%}
    {%- endfor -%}
    {{ return(mapping) }}
{%- endmacro %}

{% macro current_la_code(la_code) -%}
    {%- set mapping = la_reorganisations() -%}
    {%- if mapping -%}
    case {{ la_code }}
        {%- for old, new in mapping.items() %}
        when '{{ old }}' then '{{ new[0] }}'
        {%- endfor %}
        else {{ la_code }}
    end
    {%- else -%}
    {{ la_code }}
    {%- endif -%}
{%- endmacro %}

{% macro is_la_split_allocation(la_code) -%}
    {%- set splits = [] -%}
    {%- for old, new in la_reorganisations().items() if new[1] -%}
        {%- do splits.append("'" ~ old ~ "'") -%}
    {%- endfor -%}
    {%- if splits -%}
    coalesce({{ la_code }} in ({{ splits | join(', ') }}), false)
    {%- else -%}
    false
    {%- endif -%}
{%- endmacro %}

{#
    LA harmonisation columns (staging): the current LA the submitted code
    maps to. NPD 2008/09 records pass CIN_LA_LGR first.
#}
{% macro la_harmonisation(la_code) -%}
    {{ current_la_code(la_code) }} as la_code_current,
    {{ is_la_split_allocation(la_code) }} as is_la_split_allocation
{%- endmacro %}
