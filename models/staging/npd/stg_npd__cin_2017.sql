-- Census year 2017 (2016/17). Renames NPD columns to the warehouse vocabulary and casts
-- text to types; a failed cast becomes NULL here and keeps its raw text (issue 5 adds
-- the companion columns and flags for every year).
with source as (
    select * from {{ source('npd', 'npd_cin_2017') }}
),

renamed as (
    select
        _source_file as source_file,
        _line_number as source_line_number,
        _load_id as load_id,
        cast(_census_year as integer) as census_year,
        trim(cin_la) as la_code,
        trim(cin_la_9code) as la_code_9,
        trim(cin_lachildid_anon) as la_child_id,
        try_cast(cin_yearofbirth as integer) as birth_year,
        try_cast(cin_monthofbirth as integer) as birth_month,
        trim(cin_gender) as gender_code,
        try_cast(cin_referraldate as date) as referral_date,
        upper(trim(cin_primaryneedcode)) as primary_need_code,
        try_cast(nullif(trim(cin_cinclosuredate), '') as date) as closure_date,
        try_cast(cin_cinat31march as integer) = 1 as is_open_at_31_march
    from source
)

select * from renamed
