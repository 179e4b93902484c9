-- Child records of each census year from both sources in one shape (docs/architecture.md flow:
-- conformed records come first). NPD rows repeat the child's attributes on every
-- referral and plan row, so an NPD record here is one distinct combination of the child's
-- attributes in a year (`record_count` rows carried it); a child-year whose rows disagree
-- keeps one record per combination, for the identity model to resolve. XML: one record
-- per Child element. Sex is conformed to M/F/U (macros/staging/sex.sql).
with npd_child_rows as (
    select
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        pupil_matching_ref,
        birth_year,
        birth_month,
        {{ sex_from_gender_current('gender_code') }} as sex,
        coalesce(gender_code = '9', false) as is_sex_indeterminate,
        ethnicity_code,
        ethnicity_major_code,
        has_disability,
        source_file,
        load_id,
        source_line_number
    from {{ ref('stg_npd__cin') }}
),

npd_children as (
    select
        'npd' as source_kind,
        census_year,
        la_code,
        la_code_current,
        is_la_split_allocation,
        la_child_id,
        pupil_matching_ref,
        cast(null as varchar) as upn,
        cast(null as varchar) as former_upn,
        cast(null as varchar) as upn_unknown_code,
        birth_year,
        birth_month,
        cast(null as date) as birth_date,
        cast(null as date) as expected_birth_date,
        cast(null as date) as death_date,
        sex,
        is_sex_indeterminate,
        ethnicity_code,
        ethnicity_major_code,
        has_disability,
        source_file,
        load_id,
        cast(null as integer) as child_pos,
        min(source_line_number) as first_source_line_number,
        count(*) as record_count
    from npd_child_rows
    group by
        census_year, la_code, la_code_current, is_la_split_allocation, la_child_id,
        pupil_matching_ref, birth_year, birth_month, sex, is_sex_indeterminate,
        ethnicity_code, ethnicity_major_code, has_disability, source_file, load_id
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
