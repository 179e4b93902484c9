-- Measured data quality per staged variable and census year: how many records carry the
-- variable, how many have it missing, and how many had it recoded (a legacy or badly
-- written code mapped to the current one) or failed (text that could not be typed, a
-- placeholder date), from the staging flags (macros/staging/stage_values.sql). This is
-- what the docs site shows per variable (cin_warehouse/measured_docs.py renders it), so
-- that "how much of referral source is missing in 2015?" is answered by data (BMJ Open
-- 2019 computed such shares by hand). The variables are read from each staging model's
-- built columns (macros/dq_profile.sql): one scan per model, then one row per variable.
with
-- One row per staging model, variable and census year with records (a census year
-- without records of a module has no row: nothing was delivered to measure).
variable_years as (
    {{ dq_variable_year_counts() }}
),

-- The census years the NPD extract populates each variable in (DfE's "years populated"
-- list; seeds ref_npd_variables and ref_npd_variable_years): a variable outside them is a
-- typed NULL in staging, missing by design rather than by recording.
npd_spans_by_year as (
    {{ npd_variable_years() }}
),

npd_variable_years as (
    select
        specs.staging_name as variable_name,
        spec_years.census_year,
        specs.variable as npd_variable,  -- noqa: RF04
        'npd' as source_kind,
        case specs.file_kind
            when 'main' then 'stg_npd__cin'
            when 'disabilities' then 'stg_npd__disabilities'
        end as staging_model
    from {{ ref('ref_npd_variables') }} as specs
    inner join npd_spans_by_year as spec_years
        on
            specs.file_kind = spec_years.file_kind
            and specs.variable = spec_years.variable  -- noqa: RF04
),

npd_variables as (
    select distinct
        staging_model,
        variable_name,
        npd_variable
    from npd_variable_years
)

select
    variable_years.source_kind,
    variable_years.staging_model,
    variable_years.variable_name,
    variable_years.census_year,
    npd_variables.npd_variable,
    variable_years.records,
    variable_years.records_missing,
    variable_years.records_recoded,
    variable_years.records_failed,
    -- XML: every element of the module is in each year's schema that has the module
    case
        when variable_years.source_kind = 'xml' then true
        else npd_variable_years.census_year is not null
    end as is_in_extract,
    cast(variable_years.records_missing as double)
    / nullif(variable_years.records, 0) as share_missing,
    cast(variable_years.records_recoded + variable_years.records_failed as double)
    / nullif(variable_years.records, 0) as share_recoded_or_failed
from variable_years
left join npd_variables
    on
        variable_years.source_kind = 'npd'
        and variable_years.staging_model = npd_variables.staging_model
        and variable_years.variable_name = npd_variables.variable_name
left join npd_variable_years
    on
        variable_years.source_kind = npd_variable_years.source_kind
        and variable_years.staging_model = npd_variable_years.staging_model
        and variable_years.variable_name = npd_variable_years.variable_name
        and variable_years.census_year = npd_variable_years.census_year
