-- DfE rule 2885: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('2885', 'xml') %}
with census as (
    select
        census_year,
        period_start,
        period_end
    from {{ ref('ref_census_years') }}
),

s47_icpcs as (
    select distinct
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        initial_cpc_date
    from {{ ref('stg_xml__section47') }}
    where initial_cpc_date is not null
),

episodes_with_s47 as (
    select distinct
        census_year,
        la_code,
        child_pos,
        cin_details_pos
    from {{ ref('stg_xml__section47') }}
),

checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_start_date,
        episode.initial_cpc_date as cin_details_initial_cpc_date,
        has_s47.cin_details_pos is not null as has_section47,
        exists(
            select 1
            from s47_icpcs
            where
                {{ dq_xml_keys_match('s47_icpcs', 'cpp', 'cin_details') }}
                and s47_icpcs.initial_cpc_date = cpp.cpp_start_date
        ) as matches_s47_icpc,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join census
        on cpp.census_year = census.census_year
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('cpp', 'episode', 'cin_details') }}
    left join episodes_with_s47 as has_s47
        on {{ dq_xml_keys_match('has_s47', 'cpp', 'cin_details') }}
    where cpp.cpp_start_date between census.period_start and census.period_end
)

select
    *,
    '2885: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' does not start on an initial CPC date of its episode' as failure_reason
from checked
where
    case
        when has_section47 then not matches_s47_icpc
        else cpp_start_date is distinct from cin_details_initial_cpc_date
    end
{% endcall %}
