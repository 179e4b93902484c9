-- Every official DfE measure per source, LA and census year, to the letter of DfE's
-- methodology (Characteristics of children in need 2016-17, section 4; docs/cin_census.md
-- §7) from THAT YEAR'S RETURN AS DELIVERED (and last year's, for re-referrals): a case
-- open at 31 March is open here even if a later return closes it "after assessment".
-- Quirks reach the figures, as they reach DfE's. Rules: macros/la_year/official_measures.sql.
-- Ambiguities, our choice and why (also in the docs block fct_la_year):
-- * RC9 (closed after assessment, early help, 2022/23 on) counts like RC8.
-- * "Episodes ending" = CIN episodes closed in the year; B1's "where the referral is
--   within the year", copied from "starting", would let no older episode ever end.
-- * Assessment duration: working days from the start day (counted) to the authorisation
--   day (not counted); bank holidays from the seed ref_bank_holidays.
-- * s47 and conference duplicates are per child and date (two children's enquiries
--   opened one day are two).
-- * A referral is LA + LAchildID + referral date (BMJ Open 2019); NPD plan rows of one
--   referral count once.
-- * Re-referrals: last year's return's referrals of its 1 April-31 March year; children
--   matched on LAchildID within the LA, through successor codes across a reorganisation;
--   NULL without last year's return (XML 2016/17): the method needs both years.
-- * Single assessments: no type in the return; all single from 2014/15 (Working Together
--   2013), so from census year 2015 they are the assessments; NULL before.
-- NULL, never 0, where the source cannot carry a measure: the NPD has no assessment or
-- s47 module, and populates some variables only in some years (ref_npd_variable_years).
-- Then DfE's rates per 10,000 children (census year Y over the LA's mid-(Y-1) population,
-- seed ref_child_population; none before 2013 or after 2025) and percentages, from
-- macros/la_year/open_data.sql; England and the regions are fct_england_year.
{%- set measure_columns = la_year_measure_columns() %}
{%- set la_year_measures = la_year_measure_specs() %}
with census_years as (
    select * from {{ ref('ref_census_years') }}
),

-- One row per LA and census year: the code in force at 31 March (Barnsley and Sheffield
-- were recoded on 1 May 2025, two seed rows in 2025/26).
local_authorities as (
    select
        las.*,
        census_years.census_year as la_census_year
    from {{ ref('ref_local_authorities') }} as las
    inner join {{ ref('ref_census_years') }} as census_years
        on census_years.census_year between las.first_census_year and las.last_census_year
    qualify row_number() over (
        partition by las.la_code, census_years.census_year order by las.valid_from desc
    ) = 1
),

-- The NPD variables of each census year: the seed states DfE's "years populated" as spans
-- (an empty last_year: still collected), one row per variable and year here.
npd_variable_years as (
    select
        variable_years.census_year,
        variable_years.variable
    from ({{ npd_variable_years() }}) as variable_years
    where variable_years.file_kind = 'main'
),

npd_variables as (
    select
        census_year,
        {{ npd_carries(['ReferralNFA']) }} as npd_has_referral_nfa,
        {{ npd_carries(['ReferralNFA', 'ReasonForClosure']) }} as npd_has_cin_episode,
        {{ npd_carries(['ReferralNFA', 'ReasonForClosure', 'CINClosureDate']) }}
            as npd_has_cin_span,
        {{ npd_carries(['ReferralNFA', 'ReasonForClosure', 'CINClosureDate']) }}
        or {{ npd_carries(['CINAt31March']) }} as npd_has_cin_31mar,
        {{ npd_carries(['CPPstartDate']) }} as npd_has_cpp_start,
        {{ npd_carries(['CPPstartDate', 'NumberOfPreviousCPP']) }} as npd_has_previous_cpp,
        {{ npd_carries(['CPPstartDate', 'CPPendDate']) }} as npd_has_cpp_span
    from npd_variable_years
    group by census_year
),

plan_records as (
    select * from {{ ref('int_records_conformed__cpp_year') }}
),

enquiry_records as (
    select * from {{ ref('int_records_conformed__s47') }}
),

-- Each year's referrals as its return delivers them, one per episode key. NPD rows of
-- one referral (one per plan) carry the same referral values; where a damaged extract
-- disagrees, any NFA flag and the latest closure are taken. With each, whether the return
-- records a plan or an s47 enquiry on it: more than an assessment happened (B1 "there was
-- no s47 enquiry or child protection plan"). The plan and enquiry keys are rows of the
-- same aggregate, not a join onto it (at national scale that join of 16M referrals was a
-- eighth of this model's time); a key holding a NULL protects nothing, as in a join.
-- The plan and enquiry rows are read from their tables, not from the CTEs above: a CTE
-- read twice is written to a temporary table without column statistics, and without
-- them DuckDB cannot pack the string keys (LA code, LAchildID) into integers for this
-- aggregate and the per-child one after it (the two were 57% of the model's time). At
-- national scale, on a loaded machine: 57-85 CPU s before (mean 75, 5 runs), 50-67 after
-- (mean 57, 3 runs), alternated.
-- The episode key (BMJ Open 2019: LA + LAchildID + referral date, in a source's return):
{%- set referral_key = ['source_kind', 'census_year', 'la_code', 'la_child_id', 'referral_date'] %}
referral_and_protection_rows as (
    select
        {{ referral_key | join(',\n        ') }},
        true as is_referral_row,
        is_referral_nfa,
        closure_date,
        closure_reason_code,
        is_cin_at_31_march,
        false as is_protection_row
    from {{ ref('int_records_conformed__episode_year') }}
    {% for protection_records in [
        ref('int_records_conformed__cpp_year'), ref('int_records_conformed__s47')
    ] %}
        union all
        select
            {{ referral_key | join(',\n            ') }},
            false as is_referral_row,
            null as is_referral_nfa,
            null as closure_date,
            null as closure_reason_code,
            null as is_cin_at_31_march,
            true as is_protection_row
        from {{ protection_records }}
    {% endfor %}
),

referral_records as (
    select
        {{ referral_key | join(',\n        ') }},
        bool_or(is_referral_nfa) as is_referral_nfa,
        max(closure_date) as closure_date,
        max(closure_reason_code) as closure_reason_code,
        bool_or(is_cin_at_31_march) as is_cin_at_31_march,
        coalesce(bool_or(
            is_protection_row
            and {{ referral_key | join(' is not null\n            and ') }} is not null
        ), false) as has_protection
    from referral_and_protection_rows
    group by {{ referral_key | join(', ') }}
    having bool_or(is_referral_row)
),

referrals as (
    select
        records.*,
        years.period_start,
        years.period_end,
        {{ in_census_period('records.referral_date') }} as is_referred_in_year,
        {{ is_assessed_not_in_need(
            'records.is_referral_nfa',
            'records.closure_reason_code',
            'records.has_protection'
        ) }} as is_assessed_not_in_need,
        {{ is_cin_episode(
            'records.is_referral_nfa',
            'records.closure_reason_code',
            'records.has_protection'
        ) }} as is_cin_episode
    from referral_records as records
    inner join census_years as years on records.census_year = years.census_year
),

-- One row per child and LA-year first, then the LA-year's counts: the children counted
-- once each without count(distinct) (macros/la_year/official_measures.sql).
referral_children as (
    select
        source_kind,
        census_year,
        la_code,
        la_child_id,
        {{ referral_child_counts() }},
        coalesce(bool_or(is_cin_at_31_march), false) as is_child_flagged_cin_31mar,
        min(referral_date) filter (where is_referred_in_year) as first_referral_in_year,
        -- for next year's re-referrals: the latest referral of this return's 1 April - 31
        -- March year (methodology: "remove any duplicated children, keeping the latest")
        max(referral_date) filter (
            where referral_date
            between make_date(census_year - 1, 4, 1) and make_date(census_year, 3, 31)
        ) as latest_referral_april_to_march
    from referrals
    group by source_kind, census_year, la_code, la_child_id
),

referral_measures as (
    select
        source_kind,
        census_year,
        la_code,
        {{ referral_measure_counts() }},
        -- DfE's own CINAt31March flag: the one source of this count in the 2008/09 NPD,
        -- which has no NFA flag, closure date or reason.
        {{ child_count('la_child_id', 'is_child_flagged_cin_31mar') }}
            as children_flagged_cin_31mar,
        -- re-referrals (below): every referral of a child after its first in the year
        coalesce(sum(referrals - 1) filter (
            where la_child_id is not null and referrals > 0
        ), 0) as later_referrals_of_children
    from referral_children
    group by source_kind, census_year, la_code
),

-- LA codes that ended with a reorganisation, carried to their successors the next year.
la_successors as (
    select distinct
        authorities.la_code as previous_la_code,
        authorities.last_census_year + 1 as census_year,
        trim(successors.la_code) as la_code
    from local_authorities as authorities
    cross join unnest(string_split(authorities.successor_la_codes, ';')) as successors (la_code)
    where authorities.successor_la_codes is not null
),

-- Last year's referrals (its 1 April - 31 March year, as its return holds them), the
-- latest per child (methodology: "remove any duplicated children, keeping the latest"),
-- under the code the LA has this year: a child of two LAs merged into one is two rows
-- here, and "one of them within 365 days" is "the latest within 365 days".
previous_year_referrals as (
    select
        children.source_kind,
        children.la_child_id,
        children.latest_referral_april_to_march as referral_date,
        children.census_year + 1 as census_year,
        coalesce(successors.la_code, children.la_code) as la_code
    from referral_children as children
    left join la_successors as successors
        on
            children.la_code = successors.previous_la_code
            and children.census_year + 1 = successors.census_year
    where
        children.la_child_id is not null
        and children.latest_referral_april_to_march is not null
),

-- Re-referrals (methodology "referrals within 12 months"): the year's referrals made 365
-- days or less after the child's previous referral, last year's return's included. Two
-- dates of one census period (1 April - 31 March; 2008/09: from 1 October) are at most
-- 365 days apart (the seed test ref_census_years_period_within_april_to_march holds every
-- period to that), so every referral of a child after its first in the year is one
-- (referral_measures.later_referrals_of_children); the first is one when last year's
-- latest referral is 365 days or less before it. Counted so from one row per child, with
-- no window over the referrals (at national scale that window was a quarter of the
-- model's time), and last year's latest referrals taken from the children of its year,
-- not grouped again.
-- test_fct_la_year_independent.py checks the count against the pairs of consecutive
-- referrals.
first_referrals_rereferred as (
    select
        children.source_kind,
        children.census_year,
        children.la_code,
        -- a child of two merged LAs can match last year twice: counted once
        count(distinct children.la_child_id) as first_referrals_rereferred
    from referral_children as children
    inner join previous_year_referrals as last_year
        on
            {{ same_la_year('children', 'last_year') }}
            and children.la_child_id = last_year.la_child_id
    where {{ is_within_12_months('children.first_referral_in_year', 'last_year.referral_date') }}
    group by children.source_kind, children.census_year, children.la_code
),

rereferral_measures as (
    select
        referral_measures.source_kind,
        referral_measures.census_year,
        referral_measures.la_code,
        cast(
            referral_measures.later_referrals_of_children
            + coalesce(rereferred.first_referrals_rereferred, 0)
            as bigint
        ) as rereferrals_12m
    from referral_measures
    left join first_referrals_rereferred as rereferred
        on {{ same_la_year('referral_measures', 'rereferred') }}
),

working_days as (
    {{ working_day_numbers() }}
),

assessment_measures as (
    select
        assessments.source_kind,
        assessments.census_year,
        assessments.la_code,
        {{ assessment_measure_counts('done.working_days_before - began.working_days_before') }}
    from {{ ref('int_records_conformed__assessment') }} as assessments
    inner join census_years as years on assessments.census_year = years.census_year
    left join working_days as began on assessments.assessment_start_date = began.day
    left join working_days as done on assessments.assessment_authorisation_date = done.day
    where {{ in_census_period('assessments.assessment_authorisation_date') }}
    group by assessments.source_kind, assessments.census_year, assessments.la_code
),

enquiries_in_year as (
    {{ events_in_return_year('enquiry_records', 's47_start_date') }}
),

enquiry_measures as (
    select
        source_kind,
        census_year,
        la_code,
        {{ event_measure_counts('s47_enquiries', 'children_s47') }}
    from enquiries_in_year
    group by source_kind, census_year, la_code
),

-- Conferences from the s47 module and from CINdetails (transfer-ins), the XML only
-- (macros/la_year/events_in_year.sql).
conference_dates as (
    {{ initial_conference_dates(
        'enquiry_records',
        ref('int_records_conformed__episode_year'),
        ['source_kind', 'census_year', 'la_code', 'la_child_id', 'initial_cpc_date']
    ) }}
),

conferences_in_year as (
    {{ events_in_return_year('conference_dates', 'initial_cpc_date') }}
),

conference_measures as (
    select
        source_kind,
        census_year,
        la_code,
        {{ event_measure_counts('icpcs', 'children_icpc') }}
    from conferences_in_year
    group by source_kind, census_year, la_code
),

-- A plan is one start date of a child in the return (methodology: "a count of the child
-- protection plan start dates"); NPD rows repeating it count once.
plans as (
    select
        source_kind,
        census_year,
        la_code,
        la_child_id,
        cpp_start_date,
        max(cpp_end_date) as cpp_end_date,
        max(previous_cpp_count) as previous_cpp_count
    from plan_records
    where cpp_start_date is not null
    group by source_kind, census_year, la_code, la_child_id, cpp_start_date
),

plan_measures as (
    select
        plans.source_kind,
        plans.census_year,
        plans.la_code,
        {{ plan_measure_counts() }}
    from plans
    inner join census_years as years on plans.census_year = years.census_year
    group by plans.source_kind, plans.census_year, plans.la_code
),

-- Returns received: an XML return is a file with a header; an LA is in a year's NPD
-- extract if it has a record there (a referral record: every one is a group of
-- referral_records). Read from the records, not from referral_records: read twice, the
-- 16M referral_records were written to a temporary table first, at national scale a
-- twelfth of this model's time.
submissions as (
    select distinct
        'xml' as source_kind,
        census_year,
        la_code
    from {{ ref('stg_xml__header') }}
    union
    select distinct
        source_kind,
        census_year,
        la_code
    from {{ ref('int_records_conformed__episode_year') }}
    where source_kind = 'npd'
),

-- Every LA the source holds in any year, in every year of the source in which the LA
-- existed (seed ref_local_authorities): the LA-years without a return are rows too. (A
-- world of a few LAs shows only those: other LAs are not "missing".)
source_years as (
    select distinct
        source_kind,
        census_year
    from submissions
),

source_las as (
    select distinct
        source_kind,
        la_code
    from submissions
),

la_years as (
    select
        source_las.source_kind,
        source_years.census_year,
        source_las.la_code
    from source_las
    inner join source_years on source_las.source_kind = source_years.source_kind
    inner join local_authorities
        on
            source_las.la_code = local_authorities.la_code
            and source_years.census_year = local_authorities.la_census_year
    union
    select
        source_kind,
        census_year,
        la_code
    from submissions
),

-- Re-referrals need last year's return: one from the LA or from the LAs it succeeded.
-- The first census (2008/09) had no earlier return: its pairs lie within the year.
previous_returns as (
    select distinct
        submissions.source_kind,
        submissions.census_year + 1 as census_year,
        coalesce(successors.la_code, submissions.la_code) as la_code
    from submissions
    left join la_successors as successors
        on
            submissions.la_code = successors.previous_la_code
            and submissions.census_year + 1 = successors.census_year
),

first_census as (
    select min(census_year) as census_year from census_years
),

measures as (
    select
        la_years.source_kind,
        la_years.census_year,
        la_years.la_code,
        submissions.la_code is not null as has_return,
        (
            previous_returns.la_code is not null
            or la_years.census_year = first_census.census_year
        ) as has_previous_return,
        -- noqa: disable=LT02
        {%- for flag in ['referral_nfa', 'cin_episode', 'cin_span', 'cin_31mar', 'cpp_start',
            'previous_cpp', 'cpp_span'] %}
        coalesce(npd_variables.npd_has_{{ flag }}, false) as npd_has_{{ flag }},
        {%- endfor %}
        la_years.census_year >= 2015 as is_single_assessment_year,
        -- the 2008/09 NPD: children in need at 31 March from DfE's CINAt31March flag
        coalesce(case
            when la_years.source_kind = 'npd' and not npd_variables.npd_has_cin_span
                then referral_measures.children_flagged_cin_31mar
            else referral_measures.children_in_need_31mar
        end, 0) as children_in_need_31mar_as_carried,
        {%- for cte, columns in measure_columns.items() %}
            {%- set last_cte = loop.last %}
            {%- for column in columns %}
        coalesce({{ cte }}.{{ column }}, 0)
            as {{ column }}{{ '' if last_cte and loop.last else ',' }}
            {%- endfor %}
        {%- endfor %}
    from la_years
    left join submissions
        on {{ same_la_year('la_years', 'submissions') }}
    left join previous_returns
        on {{ same_la_year('la_years', 'previous_returns') }}
    cross join first_census
    left join npd_variables
        on la_years.source_kind = 'npd' and la_years.census_year = npd_variables.census_year
    {%- for cte in measure_columns %}
    left join {{ cte }}
        on
            la_years.source_kind = {{ cte }}.source_kind
            and la_years.census_year = {{ cte }}.census_year
            and la_years.la_code = {{ cte }}.la_code
    {%- endfor %}
    -- noqa: enable=LT02
),

-- One row per LA-year: DfE's open-data layout first (explore-education-statistics), then
-- the keys, then each measure: NULL where the LA sent no return or the source cannot
-- carry the measure.
la_year_measures as (
    select
        {{ open_data_layout(
            'measures.census_year',
            "'Local authority'",
            'local_authorities.region_code',
            'local_authorities.region_name',
            'measures.la_code',
            'local_authorities.la_code_9',
            'local_authorities.la_name'
        ) }},
        measures.source_kind,
        measures.la_code,
        cast(measures.census_year as integer) as census_year,
        measures.has_return,
        -- noqa: disable=LT02
        {%- for column, npd, xml, source_column in la_year_measures %}
        {{ la_year_measure(source_column or column, npd, column, xml) }}{{ ',' if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from measures
    left join local_authorities
        on
            measures.la_code = local_authorities.la_code
            and measures.census_year = local_authorities.la_census_year
),

-- The LA's children aged 0-17 at mid-(Y-1), DfE's denominator for census year Y (DfE
-- methodology 2016-17, section 5); none before census year 2013 or after 2025.
child_population as (
    {{ la_child_population() }}
)

-- Then the child population and DfE's rates per 10,000 children and percentages.
select
    la_year_measures.*,
    child_population.population_0_17,
    {{ la_year_rates('la_year_measures', 'child_population.population_0_17') }}
from la_year_measures
left join child_population
    on
        la_year_measures.la_code = child_population.la_code
        and la_year_measures.census_year = child_population.census_year
