{#
    One `sex` code (M, F, U) from the two ways the census records it (docs/cin_census.md §3a):
    GenderCurrent (1 male, 2 female, 0 not recorded/unborn, 9 indeterminate), the XML
    element to 2023/24 and the NPD's CIN_Gender in every year, and Sex (M, F, U) in the
    XML from 2024/25. GenderCurrent 9 (indeterminate: intersex or other, BMJ Open 2019)
    maps to U, because the Sex code list has no such value; `is_sex_indeterminate` keeps
    the distinction.
#}
{% macro sex_from_gender_current(gender_text) -%}
    case {{ gender_text }} when '1' then 'M' when '2' then 'F' when '0' then 'U' when '9' then 'U' end
{%- endmacro %}

{#
    The NPD's single CIN_Gender column: GenderCurrent codes (1, 2, 0, 9) to 2023/24 and the
    Sex codes (M, F, U) from 2024/25, when the census replaced GenderCurrent with Sex
    (docs/cin_census.md §3a). Either code list is read in every year, so a file that keeps
    the old codes after the change (or adopts the new ones early) is conformed too.
#}
{% macro sex_from_npd_gender(gender_text) -%}
    case
        when upper({{ gender_text }}) in ('M', 'F', 'U') then upper({{ gender_text }})
        else {{ sex_from_gender_current(gender_text) }}
    end
{%- endmacro %}

{#
    XML `sex`: Sex wins when both elements are present. Both raw values are kept as
    delivered; a value neither code list knows gives NULL and `is_sex_unrecognised`.
#}
{% macro stage_sex(gender_current, sex) -%}
    {%- set gender_text = blank_to_null(gender_current) -%}
    {%- set sex_text = 'upper(' ~ blank_to_null(sex) ~ ')' -%}
    {%- set mapped -%}
        case
            when {{ sex_text }} in ('M', 'F', 'U') then {{ sex_text }}
            when {{ sex_text }} is null then {{ sex_from_gender_current(gender_text) }}
        end
    {%- endset -%}
    {{ mapped }} as sex,
    {{ sex }} as sex_raw,
    {{ gender_current }} as gender_current_raw,
    coalesce({{ sex_text }} is null and {{ gender_text }} = '9', false) as is_sex_indeterminate,
    ({{ mapped }} is null and coalesce({{ sex_text }}, {{ gender_text }}) is not null)
    as is_sex_unrecognised
{%- endmacro %}
