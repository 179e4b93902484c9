-- Measured data quality per staged variable and census year: how many records carry the
-- variable, how many have it missing, and how many had it recoded (a legacy or badly
-- written code mapped to the current one) or failed (text that could not be typed, a
-- placeholder date), from the staging flags (macros/staging/stage_values.sql). This is
-- what the docs site shows per variable (cin_warehouse/measured_docs.py renders it), so
-- that "how much of referral source is missing in 2015?" is answered by data (BMJ Open
-- 2019 computed such shares by hand). The variables are read from each staging model's
-- built columns (macros/dq_profile.sql): one scan per model, then one row per variable.
{%- set profiled = [] %}
{%- for source_kind, model in dq_staging_models() %}
    {%- do profiled.append((source_kind, model, dq_staged_variables(ref(model)))) %}
{%- endfor %}

with
{%- for source_kind, model, variables in profiled %}
counted__{{ model }} as (
    select
        census_year,
        count(*) as records
        {%- for variable in variables %},
        count({{ variable.name }}) as {{ variable.name }}__present,
        count(*) filter (where {{ dq_any(variable.recoded) }}) as {{ variable.name }}__recoded,
        count(*) filter (where {{ dq_any(variable.failed) }}) as {{ variable.name }}__failed
        {%- endfor %}
    from {{ ref(model) }}
    group by census_year
),
{%- endfor %}

-- One row per model, variable and census year with records (a census year without
-- records of a module has no row: nothing was delivered to measure).
{%- set selects = [] %}
{%- for source_kind, model, variables in profiled %}
    {%- for variable in variables %}
        {%- do selects.append((source_kind, model, variable.name)) %}
    {%- endfor %}
{%- endfor %}
variable_years as (
{%- for source_kind, model, name in selects %}
    select
        '{{ source_kind }}' as source_kind,
        '{{ model }}' as staging_model,
        '{{ name }}' as variable_name,
        census_year,
        records,
        {{ name }}__recoded as records_recoded,
        {{ name }}__failed as records_failed,
        records - {{ name }}__present as records_missing
    from counted__{{ model }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- else %}
    -- no staging model built yet (dbt parse): an empty relation of the same shape
    select
        cast(null as varchar) as source_kind,
        cast(null as varchar) as staging_model,
        cast(null as varchar) as variable_name,
        cast(null as integer) as census_year,
        cast(null as bigint) as records,
        cast(null as bigint) as records_recoded,
        cast(null as bigint) as records_failed,
        cast(null as bigint) as records_missing
    where false
{%- endfor %}
),

-- The census years the NPD extract populates each variable in (DfE's "years populated"
-- list; seeds ref_npd_variables and ref_npd_variable_years): a variable outside them is a
-- typed NULL in staging, missing by design rather than by recording.
npd_variable_years as (
    select
        variables.staging_name as variable_name,
        years.census_year,
        variables.variable as npd_variable,
        'npd' as source_kind,
        case variables.file_kind
            when 'main' then 'stg_npd__cin'
            when 'disabilities' then 'stg_npd__disabilities'
        end as staging_model
    from {{ ref('ref_npd_variables') }} as variables
    inner join {{ ref('ref_npd_variable_years') }} as years
        on
            variables.file_kind = years.file_kind
            and variables.variable = years.variable
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
