{#
    The rules of DfE's official measures (DfE "Characteristics of children in need"
    methodology 2016-17, section 4; docs/cin_census.md §7), one place each. Used by
    models/marts/la_year/fct_la_year.sql (each year's return as delivered),
    models/marts/la_year/fct_la_year_reconstructed.sql (the rebuilt episodes and plans:
    the same counting macros, below) and models/intermediate/int_episodes_rebuilt.sql (the
    DfE flags of the rebuilt episodes).
#}

{#- A date within a census year's collection period (1 April - 31 March; the 2008/09
    census: 1 October 2008 - 31 March 2009, seed ref_census_years). -#}
{% macro in_census_period(date_column, period_start='period_start', period_end='period_end') -%}
    coalesce({{ date_column }} between {{ period_start }} and {{ period_end }}, false)
{%- endmacro %}

{#- "Closed after assessment, no further action": RC8, and RC9 (closed after assessment,
    referred to early help, from 2022/23). Our choice: RC9 counts like RC8. It is a closure
    "after assessment" with no further children's social care action, it did not exist when
    the methodology was written, and DfE's validation rule 2990 treats the two alike. -#}
{% macro is_closed_after_assessment(closure_reason_code) -%}
    coalesce({{ closure_reason_code }} in ('RC8', 'RC9'), false)
{%- endmacro %}

{#- Assessed not in need (methodology: "Calculating children assessed not to be in need"
    and table B1 b): not NFA, the only activity recorded an assessment ("there was no s47
    enquiry or child protection plan"), closed after assessment. The return as delivered
    decides: a closure after 31 March is not in that year's return. -#}
{% macro is_assessed_not_in_need(is_referral_nfa, closure_reason_code, has_protection) -%}
    (
        not coalesce({{ is_referral_nfa }}, false)
        and {{ is_closed_after_assessment(closure_reason_code) }}
        and not coalesce({{ has_protection }}, false)
    )
{%- endmacro %}

{#- A CIN episode (methodology table B1): a referral excluding (a) ReferralNFA and (b)
    assessed not in need. -#}
{% macro is_cin_episode(is_referral_nfa, closure_reason_code, has_protection) -%}
    (
        not coalesce({{ is_referral_nfa }}, false)
        and not {{ is_assessed_not_in_need(is_referral_nfa, closure_reason_code, has_protection) }}
    )
{%- endmacro %}

{#- Open at some point in the period: referred by its end, not closed before its start
    (B1 "at any point"; plans: "start before 31 March and end on or after 1 April or
    missing", "before 31 March" read as on or before, as for the 31 March counts). -#}
{% macro is_open_in_period(start_column, end_column) -%}
    coalesce(
        {{ start_column }} <= period_end
        and ({{ end_column }} is null or {{ end_column }} >= period_start),
        false
    )
{%- endmacro %}

{#- Open at 31 March (B1 and plans): started on or before 31 March, no end date in the
    return (to the letter: "there is no closure date"). -#}
{% macro is_open_at_31_march(start_column, end_column) -%}
    coalesce({{ start_column }} <= period_end and {{ end_column }} is null, false)
{%- endmacro %}

{#- Re-referral window (methodology): a pair of consecutive referrals of a child 365 days
    or less apart. -#}
{% macro is_within_12_months(referral_date, previous_referral_date) -%}
    coalesce({{ referral_date }} - {{ previous_referral_date }} <= 365, false)
{%- endmacro %}

{#- One measure of fct_la_year from `column` of its `measures` CTE: NULL where the LA sent
    no return, or where the source cannot carry it (unless `npd_condition` for the NPD,
    `xml_condition` for the XML: 'true', 'false' or a boolean column of `measures`). -#}
{% macro la_year_measure(column, npd_condition, name, xml_condition) -%}
    {%- set conditions = {} -%}
    {%- for source, condition in [('npd', npd_condition), ('xml', xml_condition)] -%}
        {%- do conditions.update({source: condition if condition in ('true', 'false')
            else 'measures.' ~ condition}) -%}
    {%- endfor %}
    cast(case
        when not measures.has_return then null
        when measures.source_kind = 'xml' and {{ conditions['xml'] }} then measures.{{ column }}
        when measures.source_kind = 'npd' and {{ conditions['npd'] }} then measures.{{ column }}
    end as bigint) as {{ name }}
{%- endmacro %}

{#- The measure CTEs and their columns, joined onto every LA-year in `measures`. -#}
{% macro la_year_measure_columns() -%}
{%- do return({
    'referral_measures': ['referrals', 'referrals_nfa', 'referrals_assessed_not_in_need',
        'children_referred', 'episodes_starting', 'children_starting_episode',
        'episodes_any_point', 'children_in_need_any_point', 'episodes_ending',
        'children_in_need_31mar', 'children_flagged_cin_31mar'],
    'rereferral_measures': ['rereferrals_12m'],
    'assessment_measures': ['assessments_completed', 'assessments_within_45wd'],
    'enquiry_measures': ['s47_enquiries', 'children_s47'],
    'conference_measures': ['icpcs', 'children_icpc'],
    'plan_measures': ['cpp_starting', 'children_starting_cpp', 'cpp_second_or_later',
        'cpp_any_point', 'children_cpp_any_point', 'cpp_ended', 'cpp_31mar']
}) -%}
{%- endmacro %}

{#- Each measure: its name, where the NPD carries it (a flag of `measures`), where the XML
    does, and the `measures` column it comes from. -#}
{% macro la_year_measure_specs() -%}
{%- do return([
    ('referrals', 'true', 'true', none),
    ('rereferrals_12m', 'has_previous_return', 'has_previous_return', none),
    ('referrals_nfa', 'npd_has_referral_nfa', 'true', none),
    ('referrals_assessed_not_in_need', 'npd_has_cin_episode', 'true', none),
    ('children_referred', 'true', 'true', none),
    ('episodes_starting', 'npd_has_cin_episode', 'true', none),
    ('children_starting_episode', 'npd_has_cin_episode', 'true', none),
    ('episodes_any_point', 'npd_has_cin_span', 'true', none),
    ('children_in_need_any_point', 'npd_has_cin_span', 'true', none),
    ('episodes_ending', 'npd_has_cin_span', 'true', none),
    ('children_in_need_31mar', 'npd_has_cin_31mar', 'true',
        'children_in_need_31mar_as_carried'),
    ('assessments_completed', 'false', 'true', none),
    ('single_assessments_completed', 'false', 'is_single_assessment_year',
        'assessments_completed'),
    ('single_assessments_within_45wd', 'false', 'is_single_assessment_year',
        'assessments_within_45wd'),
    ('s47_enquiries', 'false', 'true', none),
    ('children_s47', 'false', 'true', none),
    ('icpcs', 'false', 'true', none),
    ('children_icpc', 'false', 'true', none),
    ('cpp_starting', 'npd_has_cpp_start', 'true', none),
    ('children_starting_cpp', 'npd_has_cpp_start', 'true', none),
    ('cpp_second_or_later', 'npd_has_previous_cpp', 'true', none),
    ('cpp_any_point', 'npd_has_cpp_span', 'true', none),
    ('children_cpp_any_point', 'npd_has_cpp_span', 'true', none),
    ('cpp_ended', 'npd_has_cpp_span', 'true', none),
    ('cpp_31mar', 'npd_has_cpp_span', 'true', none)
]) -%}
{%- endmacro %}

{#- In an aggregate over one census year's variables (the ref_npd_variable_years spans,
    one row per variable and year): true when the NPD extract populates every one of
    `variables` that year. -#}
{% macro npd_carries(variables) -%}
    count(distinct variable) filter (
        where variable in ('{{ variables | join("', '") }}')
    ) = {{ variables | length }}
{%- endmacro %}

{#- The referral and CIN-episode counts (methodology "Number of referrals" and table B1),
    written once for both bases (fct_la_year: each return as delivered;
    fct_la_year_reconstructed: the rebuilt episodes), in two steps because the children
    counts are of distinct children: first one row per child (this macro, in an aggregate
    grouped by the LA-year and the child), then the LA-year's sums and children
    (referral_measure_counts). Counting each child once in a group by is the same as a
    count(distinct child) filter (...) and much cheaper: at national scale the five
    distinct aggregates over 17M referral rows were a third of fct_la_year's time (each
    keeps its own hash table of children). Over rows of one referral each, with
    is_referred_in_year, is_referral_nfa, is_assessed_not_in_need, is_cin_episode,
    referral_date, closure_date (as that year's information shows it: none after 31 March),
    period_start and period_end. -#}
{% macro referral_child_counts() -%}
        count(*) filter (where is_referred_in_year) as referrals,
        count(*) filter (
            where is_referred_in_year and coalesce(is_referral_nfa, false)
        ) as referrals_nfa,
        count(*) filter (
            where is_referred_in_year and is_assessed_not_in_need
        ) as referrals_assessed_not_in_need,
        count(*) filter (where is_referred_in_year and is_cin_episode) as episodes_starting,
        count(*) filter (
            where is_cin_episode and {{ is_open_in_period('referral_date', 'closure_date') }}
        ) as episodes_any_point,
        count(*) filter (
            where is_cin_episode and {{ in_census_period('closure_date') }}
        ) as episodes_ending,
        -- the child is in need at 31 March: at least one such referral. The children
        -- referred, starting an episode and in need at any point are those whose count
        -- above is not 0 (referral_measure_counts), not three more bool_or in this
        -- aggregate of 14M children: at scale 1 fct_la_year alone 48.7 -> 42.6 CPU s
        -- (2 alternating runs each, load 6-11)
        coalesce(bool_or(
            is_cin_episode and {{ is_open_at_31_march('referral_date', 'closure_date') }}
        ), false) as is_child_in_need_31mar
{%- endmacro %}

{#- The referral and CIN-episode measures of an LA-year, over the rows of
    referral_child_counts (one per child, grouped by `child_column` too): referrals summed,
    children counted. A NULL `child_column` groups every referral without a child
    identifier in one row: its referrals count, it is no child (as count(distinct) skips
    NULL). -#}
{% macro referral_measure_counts(child_column='la_child_id') -%}
        cast(sum(referrals) as bigint) as referrals,
        {{ child_count(child_column, 'referrals > 0') }} as children_referred,
        cast(sum(referrals_nfa) as bigint) as referrals_nfa,
        cast(sum(referrals_assessed_not_in_need) as bigint) as referrals_assessed_not_in_need,
        cast(sum(episodes_starting) as bigint) as episodes_starting,
        {{ child_count(child_column, 'episodes_starting > 0') }} as children_starting_episode,
        cast(sum(episodes_any_point) as bigint) as episodes_any_point,
        {{ child_count(child_column, 'episodes_any_point > 0') }}
            as children_in_need_any_point,
        cast(sum(episodes_ending) as bigint) as episodes_ending,
        {{ child_count(child_column, 'is_child_in_need_31mar') }} as children_in_need_31mar
{%- endmacro %}

{#- In an aggregate over rows of one child each: the children (a non-NULL `child_column`)
    for whom `flag` holds. -#}
{% macro child_count(child_column, flag) -%}
    count(*) filter (where {{ child_column }} is not null and {{ flag }})
{%- endmacro %}

{#- The re-referral count (methodology "Calculating referrals within 12 months"): rows
    whose `referral_date` follows `previous_referral_date` by 365 days or less; the caller
    chooses the rows (the year's referrals: a WHERE, or `condition` when the aggregate
    counts other rows too) and the previous referral (its basis). -#}
{% macro rereferral_count(referral_date='referral_date',
    previous_referral_date='previous_referral_date', condition='true') -%}
        count(*) filter (
            where {{ condition }}
            and {{ is_within_12_months(referral_date, previous_referral_date) }}
        ) as rereferrals_12m
{%- endmacro %}

{#- The assessment counts (table C2): rows of assessments authorised in the year;
    `duration` the SQL of its working days (start counted, authorisation not). -#}
{% macro assessment_measure_counts(duration) -%}
        count(*) as assessments_completed,
        count(*) filter (
            where {{ duration }} <= 45
        ) as assessments_within_45wd
{%- endmacro %}

{#- Events and children (table C4: s47 enquiries, initial conferences): rows already one
    per child and date (duplicates of a child on one date removed by the caller). -#}
{% macro event_measure_counts(events_name, children_name, child_column='la_child_id') -%}
        count(*) as {{ events_name }},
        count(distinct {{ child_column }}) as {{ children_name }}
{%- endmacro %}

{#- The child protection plan counts (tables D1-D5), over rows of one plan each in the
    relation aliased `plans`, with columns cpp_start_date, cpp_end_date (as that year's
    information shows it), previous_cpp_count and `child_column`, and the census year's
    period_start and period_end. -#}
{% macro plan_measure_counts(plans='plans', child_column='la_child_id') -%}
        count(*) filter (where {{ in_census_period(plans ~ '.cpp_start_date') }}) as cpp_starting,
        count(distinct {{ plans }}.{{ child_column }}) filter (
            where {{ in_census_period(plans ~ '.cpp_start_date') }}
        ) as children_starting_cpp,
        count(*) filter (
            where {{ in_census_period(plans ~ '.cpp_start_date') }}
            and {{ plans }}.previous_cpp_count >= 1
        ) as cpp_second_or_later,
        count(*) filter (
            where {{ is_open_in_period(plans ~ '.cpp_start_date', plans ~ '.cpp_end_date') }}
        ) as cpp_any_point,
        count(distinct {{ plans }}.{{ child_column }}) filter (
            where {{ is_open_in_period(plans ~ '.cpp_start_date', plans ~ '.cpp_end_date') }}
        ) as children_cpp_any_point,
        count(*) filter (where {{ in_census_period(plans ~ '.cpp_end_date') }}) as cpp_ended,
        count(*) filter (
            where {{ is_open_at_31_march(plans ~ '.cpp_start_date', plans ~ '.cpp_end_date') }}
        ) as cpp_31mar
{%- endmacro %}
