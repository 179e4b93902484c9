-- Census year 2010. 2009/10: first year with CIN_LA, closure date, reason for closure and
-- ReferralNFA; the last year of the asylum, adoption, CPP indicator and postcode
-- variables. CPP start date and previous-plan count are missing for referrals
-- 1 April 2009 to 31 March 2012 (docs/cin_census.md §3b), so absent here.
-- Typing, placeholder and legacy-code rules: macros/staging (one place per rule).
with source as (
    select * from {{ source('npd', 'npd_cin_2010') }}
),

staged as (
    select
        {{ npd_provenance() }},
        {{ npd_la_code('cin_la', 'cin_cin_la') }},
        {{ stage_text('cin_acadyr', 'academic_year_label') }},
        {{ stage_text('cin_pupilmatchingrefanonymous', 'pupil_matching_ref') }},
        {{ stage_text('cin_lachildid_anon', 'la_child_id') }},
        {{ stage_cast('cin_yearofbirth', 'birth_year', 'integer') }},
        {{ stage_cast('cin_monthofbirth', 'birth_month', 'integer') }},
        {{ stage_code('cin_gender', 'gender_code') }},
        {{ stage_coded('cin_ethnicgroupminor', 'ethnicity_code', 'ethnicity', 2010) }},
        {{ stage_code('cin_ethnicgroupmajor', 'ethnicity_major_code') }},
        {{ stage_flag('cin_disability', 'has_disability') }},
        {{ stage_date('cin_referraldate', 'referral_date') }},
        {{ stage_coded('cin_primaryneedcode', 'primary_need_code', 'primary_need', 2010) }},
        {{ stage_flag('cin_cinat31march', 'is_cin_at_31_march') }},
        {{ stage_code('cin_la_9code', 'la_code_9') }},
        {{ absent_value('la_code_pre_2009') }},  -- not in this year
        {{ absent_value('la_code_post_2009') }},  -- not in this year
        {{ stage_flag('cin_asylumseeking', 'is_asylum_seeking') }},
        {{ stage_date('cin_dateceasedasylumseeking', 'asylum_seeking_ceased_date') }},
        {{ stage_flag('cin_lookedafterchildadopted', 'is_looked_after_child_adopted') }},
        {{ stage_flag('cin_cppindicator', 'is_on_cpp_at_31_march') }},
        {{ stage_text('cin_postcode', 'postcode') }},
        {{ absent_value('lsoa_code') }},  -- not in this year
        {{ absent_cast('idaci_score', 'double') }},  -- not in this year
        {{ absent_cast('idaci_rank', 'integer') }},  -- not in this year
        {{ absent_value('service_type_code') }},  -- not in this year
        {{ absent_value('service_provider_code') }},  -- not in this year
        {{ absent_date('service_start_date') }},  -- not in this year
        {{ absent_date('service_end_date') }},  -- not in this year
        {{ stage_date('cin_latestreferraldate', 'latest_referral_date') }},
        {{ stage_date('cin_latestclosuredate', 'latest_closure_date') }},
        {{ stage_flag('cin_anycasesopen31march', 'has_any_case_open_at_31_march') }},
        {{ stage_date('cin_cinclosuredate', 'closure_date') }},
        {{ stage_coded('cin_reasonforclosure', 'closure_reason_code', 'closure_reason', 2010) }},
        {{ stage_flag('cin_referralnfa', 'is_referral_nfa') }},
        {{ stage_date('cin_dateofinitialcpc', 'initial_cpc_date') }},
        {{ absent_date('cpp_start_date') }},  -- not in this year
        {{ absent_cast('previous_cpp_count', 'integer') }},  -- not in this year
        {{ absent_date('cpp_end_date') }},  -- not in this year
        {{ absent_value('abuse_category_code') }},  -- not in this year
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
