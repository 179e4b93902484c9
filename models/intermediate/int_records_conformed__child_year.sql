-- Child records of each census year from both sources in one shape (docs/architecture.md flow:
-- conformed records come first). NPD rows repeat the child's attributes on every
-- referral and plan row, so an NPD record here is one distinct combination of the child's
-- attributes in a year (`record_count` rows carried it); a child-year whose rows disagree
-- keeps one record per combination, for the identity model to resolve. XML: one record
-- per Child element. Sex is conformed to M/F/U (macros/staging/sex.sql).
with npd_loads as (
    {{ npd_loads(ref('stg_npd__cin')) }}
),

npd_child_rows as (
    select
        staged.census_year,
        staged.la_code,
        staged.la_code_current,
        staged.is_la_split_allocation,
        staged.la_child_id,
        staged.pupil_matching_ref,
        staged.birth_year,
        staged.birth_month,
        {{ sex_from_npd_gender('staged.gender_code') }} as sex,
        coalesce(staged.gender_code = '9', false) as is_sex_indeterminate,
        staged.ethnicity_code,
        staged.ethnicity_major_code,
        staged.has_disability,
        npd_loads.load_number,
        staged.source_line_number
    from {{ ref('stg_npd__cin') }} as staged
    inner join npd_loads on {{ npd_load_matches('staged', 'npd_loads') }}
),

-- the load's number stands for its file and id in the grouping (macros/staging/provenance.sql)
npd_child_groups as (
    select
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        pupil_matching_ref,
        birth_year,
        birth_month,
        sex,
        is_sex_indeterminate,
        ethnicity_code,
        ethnicity_major_code,
        has_disability,
        load_number,
        min(source_line_number) as first_source_line_number,
        count(*) as record_count
    from npd_child_rows
    group by
        census_year, la_code, la_code_current, is_la_split_allocation, la_child_id,
        pupil_matching_ref, birth_year, birth_month, sex, is_sex_indeterminate,
        ethnicity_code, ethnicity_major_code, has_disability, load_number
),

npd_children as (
    select
        'npd' as source_kind,
        child_groups.census_year,
        child_groups.la_code,
        child_groups.la_code_current,
        child_groups.is_la_split_allocation,
        child_groups.la_child_id,
        child_groups.pupil_matching_ref,
        cast(null as varchar) as upn,
        cast(null as varchar) as former_upn,
        cast(null as varchar) as upn_unknown_code,
        child_groups.birth_year,
        child_groups.birth_month,
        cast(null as date) as birth_date,
        cast(null as date) as expected_birth_date,
        cast(null as date) as death_date,
        child_groups.sex,
        child_groups.is_sex_indeterminate,
        child_groups.ethnicity_code,
        child_groups.ethnicity_major_code,
        child_groups.has_disability,
        npd_loads.source_file,
        npd_loads.load_id,
        cast(null as integer) as child_pos,
        child_groups.first_source_line_number,
        child_groups.record_count
    from npd_child_groups as child_groups
    inner join npd_loads on child_groups.load_number = npd_loads.load_number
),

-- NPD gives year and month of birth (or of expected birth, pre-birth referrals): the XML
-- dates are reduced to the same so the two sources compare.
xml_children as (
    select
        'xml' as source_kind,
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        cast(null as varchar) as pupil_matching_ref,
        upn,
        former_upn,
        upn_unknown_code,
        cast(extract(year from coalesce(birth_date, expected_birth_date)) as integer)
            as birth_year,
        cast(extract(month from coalesce(birth_date, expected_birth_date)) as integer)
            as birth_month,
        birth_date,
        expected_birth_date,
        death_date,
        sex,
        is_sex_indeterminate,
        ethnicity_code,
        cast(null as varchar) as ethnicity_major_code,
        cast(null as boolean) as has_disability,
        source_file,
        load_id,
        child_pos,
        source_line_number as first_source_line_number,
        1 as record_count
    from {{ ref('stg_xml__child') }}
)

select * from npd_children
union all
select * from xml_children
