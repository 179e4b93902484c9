-- Census year 2009. The first census: 1 October 2008 to 31 March 2009, with retrospective cases
-- (docs/cin_census.md §1). No CIN_LA: the LA comes as CIN_LA_09 (before the April 2009
-- reorganisation, the LA that submitted) and CIN_LA_LGR (after it); la_code is
-- CIN_LA_09. Only year with the 2008/09 service provision record, LSOA/IDACI and
-- the single CategoryOfAbuse; ethnicity uses the old national codes (A1-E4), kept
-- as delivered. No closure, reason for closure or ReferralNFA yet.
-- Typing, placeholder and legacy-code rules: macros/staging (one place per rule).
with source as (
    select * from {{ source('npd', 'npd_cin_2009') }}
),

staged as (
    select
        {{ npd_provenance() }},
        {{ npd_la_code('cin_la_09') }},
        {{ stage_text('cin_acadyr', 'academic_year_label') }},
        {{ stage_text('cin_pupilmatchingrefanonymous', 'pupil_matching_ref') }},
        {{ stage_text('cin_lachildid_anon', 'la_child_id') }},
        {{ stage_cast('cin_yearofbirth', 'birth_year', 'integer') }},
        {{ stage_cast('cin_monthofbirth', 'birth_month', 'integer') }},
        {{ stage_code('cin_gender', 'gender_code') }},
        {{ stage_coded('cin_ethnicgroupminor', 'ethnicity_code', 'ethnicity', 2009) }},
        {{ stage_code('cin_ethnicgroupmajor', 'ethnicity_major_code') }},
        {{ stage_flag('cin_disability', 'has_disability') }},
        {{ stage_date('cin_referraldate', 'referral_date') }},
        {{ stage_coded('cin_primaryneedcode', 'primary_need_code', 'primary_need', 2009) }},
        {{ stage_flag('cin_cinat31march', 'is_cin_at_31_march') }},
        {{ absent_value('la_code_9') }},  -- not in this year
        {{ stage_code('cin_la_09', 'la_code_pre_2009') }},
        {{ stage_code('cin_la_lgr', 'la_code_post_2009') }},
        {{ stage_flag('cin_asylumseeking', 'is_asylum_seeking') }},
        {{ stage_date('cin_dateceasedasylumseeking', 'asylum_seeking_ceased_date') }},
        {{ stage_flag('cin_lookedafterchildadopted', 'is_looked_after_child_adopted') }},
        {{ stage_flag('cin_cppindicator', 'is_on_cpp_at_31_march') }},
        {{ stage_text('cin_postcode', 'postcode') }},
        {{ stage_code('cin_llsoa', 'lsoa_code') }},
        {{ stage_cast('cin_idaci_score', 'idaci_score', 'double') }},
        {{ stage_cast('cin_idaci_rank', 'idaci_rank', 'integer') }},
        {{ stage_code('cin_servicetype', 'service_type_code') }},
        {{ stage_code('cin_serviceprovider', 'service_provider_code') }},
        {{ stage_date('cin_serviceprovisionstartdate', 'service_start_date') }},
        {{ stage_date('cin_serviceprovisionenddate', 'service_end_date') }},
        {{ absent_date('latest_referral_date') }},  -- not in this year
        {{ absent_date('latest_closure_date') }},  -- not in this year
        {{ absent_flag('has_any_case_open_at_31_march') }},  -- not in this year
        {{ absent_date('closure_date') }},  -- not in this year
        {{ absent_coded('closure_reason_code') }},  -- not in this year
        {{ absent_flag('is_referral_nfa') }},  -- not in this year
        {{ absent_date('initial_cpc_date') }},  -- not in this year
        {{ stage_date('cin_cppstartdate', 'cpp_start_date') }},
        {{ stage_cast('cin_numberofpreviouscpp', 'previous_cpp_count', 'integer') }},
        {{ absent_date('cpp_end_date') }},  -- not in this year
        {{ stage_code('cin_categoryofabuse', 'abuse_category_code') }},
        {{ absent_value('initial_abuse_category_code') }},  -- not in this year
        {{ absent_value('latest_abuse_category_code') }},  -- not in this year
        {{ absent_coded('referral_source_code') }},  -- not in this year
        {{ absent_flag('has_seen_social_worker') }},  -- not in this year
        {{ absent_cast('age_at_period_start', 'integer') }},  -- not in this year
        {{ absent_cast('age_at_period_end', 'integer') }},  -- not in this year
        {{ absent_flag('is_started_in_year') }},  -- not in this year
        {{ absent_flag('is_ended_in_year') }},  -- not in this year
        {{ absent_flag('is_cin_at_any_point') }}  -- not in this year
    from source
)

select * from staged
