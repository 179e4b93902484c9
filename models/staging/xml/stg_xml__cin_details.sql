-- CINdetails: one row per referral (episode) recorded in a return, with its closure.
{%- set census_year = '_census_year' %}  {#- legacy codes hold for spans of years #}
with source as (
    select * from {{ source('xml', 'xml_cin_details') }}
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        {{ stage_date('cinreferraldate', 'referral_date') }},
        {{ stage_coded('referralsource', 'referral_source_code', 'referral_source', census_year) }},
        {{ stage_coded('primaryneedcode', 'primary_need_code', 'primary_need', census_year) }},
        {{ stage_date('cinclosuredate', 'closure_date') }},
        {{ stage_coded('reasonforclosure', 'closure_reason_code', 'closure_reason', census_year) }},
        {{ stage_date('dateofinitialcpc', 'initial_cpc_date') }},
        {{ stage_flag('referralnfa', 'is_referral_nfa') }}
    from source
)

select
    *,
    {{ closure_before_referral('closure_date', 'referral_date') }}
from staged
