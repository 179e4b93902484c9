{#
    The current LA a submitted 3-digit LA code maps to, across the reorganisations of
    DOMAIN.md §5. Mergers map to the new LA (Poole, Bournemouth -> 839). A split LA
    (Bedfordshire 820, Cheshire 875, Dorset 835, Northamptonshire 928, Cumbria 909) cannot
    be divided from one record, so it is allocated to one successor, the one with more
    children (Dorset: the county's own successor 838), and `is_la_split_allocation` says
    so; researchers who need the area use the harmonised area of the LA seed. For 2008/09
    records, pass CIN_LA_LGR (the post-April-2009 LA) first: it resolves the 2009 splits.
    Same choices as the LA seed (`ref_la_harmonisation`).
#}
{% macro la_reorganisations() -%}
    {{ return({
        '820': ('823', true), '875': ('895', true), '835': ('838', true),
        '836': ('839', false), '837': ('839', false),
        '928': ('941', true), '909': ('942', true),
    }) }}
{%- endmacro %}

{% macro current_la_code(la_code) -%}
    case {{ la_code }}
        {%- for old, new in la_reorganisations().items() %}
        when '{{ old }}' then '{{ new[0] }}'
        {%- endfor %}
        else {{ la_code }}
    end
{%- endmacro %}

{% macro is_la_split_allocation(la_code) -%}
    coalesce({{ la_code }} in (
        {%- for old, new in la_reorganisations().items() if new[1] -%}
            '{{ old }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    ), false)
{%- endmacro %}

{#
    LA harmonisation columns (staging): the current LA the submitted code
    maps to. NPD 2008/09 records pass CIN_LA_LGR first.
#}
{% macro la_harmonisation(la_code) -%}
    {{ current_la_code(la_code) }} as la_code_current,
    {{ is_la_split_allocation(la_code) }} as is_la_split_allocation
{%- endmacro %}
