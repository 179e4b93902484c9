-- CINdetails: one row per referral (episode) recorded in a return, with its closure.
{%- set census_year = '_census_year' %}  {#- legacy codes hold for spans of years #}
with source as (
    select * from {{ source('xml', 'xml_cin_details') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('cinreferraldate') }},
        {{ clean_value('referralsource') }},
        {{ clean_value('primaryneedcode') }},
        {{ clean_value('cinclosuredate') }},
        {{ clean_value('reasonforclosure') }},
        {{ clean_value('dateofinitialcpc') }},
        {{ clean_value('referralnfa') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('cinreferraldate') }},
        {{ parse_coded('referralsource', 'referral_source', census_year) }},
        {{ parse_coded('primaryneedcode', 'primary_need', census_year) }},
        {{ parse_date('cinclosuredate') }},
        {{ parse_coded('reasonforclosure', 'closure_reason', census_year) }},
        {{ parse_date('dateofinitialcpc') }},
        {{ parse_flag('referralnfa') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        {{ stage_date('cinreferraldate', 'referral_date') }},
        {{ stage_coded('referralsource', 'referral_source_code') }},
        {{ stage_coded('primaryneedcode', 'primary_need_code') }},
        {{ stage_date('cinclosuredate', 'closure_date') }},
        {{ stage_coded('reasonforclosure', 'closure_reason_code') }},
        {{ stage_date('dateofinitialcpc', 'initial_cpc_date') }},
        {{ stage_flag('referralnfa', 'is_referral_nfa') }}
    from parsed
)

select
    *,
    {{ closure_before_referral('closure_date', 'referral_date') }}
from staged
