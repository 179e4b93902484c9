-- DfE rule 8540: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8540', 'xml') %}
with non_nfa_children as (
    select distinct
        census_year,
        la_code,
        child_pos
    from {{ ref('stg_xml__cin_details') }}
    where not coalesce(is_referral_nfa, false)
),

checked as (
    select
        child.census_year,
        child.la_code,
        child.child_pos,
        child.la_child_id,
        (
            select count(*)
            from {{ ref('stg_xml__disability') }} as disability
            where {{ dq_xml_keys_match('disability', 'child', 'child') }}
        ) as disability_records,
        (
            select string_agg(disability.disability_code, ', ')
            from {{ ref('stg_xml__disability') }} as disability
            where
                {{ dq_xml_keys_match('disability', 'child', 'child') }}
                and disability.disability_code not in (
                    'NONE', 'MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS', 'BEH',
                    'CON', 'AUT', 'DDA'
                )
        ) as invalid_codes,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__child') }} as child
    inner join non_nfa_children
        on {{ dq_xml_keys_match('non_nfa_children', 'child', 'child') }}
    where child.birth_date is not null
)

select
    *,
    '8540: born child with a referral going on to further action has '
    || case
        when disability_records = 0 then 'no disability record' else
            'invalid disability codes ' || invalid_codes
    end as failure_reason
from checked
where
    disability_records = 0 or invalid_codes is not null
{% endcall %}
