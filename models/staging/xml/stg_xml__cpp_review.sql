-- ChildProtectionPlans/Reviews/CPPreviewDate: one row per review date of a plan.
with source as (
    select * from {{ source('xml', 'xml_cpp_review') }}
),

-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql).
cleaned as (
    select
        *,
        {{ clean_value('cppreviewdate') }}
    from source
),

parsed as (
    select
        *,
        {{ parse_date('cppreviewdate') }}
    from cleaned
),

staged as (
    select
        {{ xml_provenance() }},
        cast(child_pos as integer) as child_pos,
        cast(cin_details_pos as integer) as cin_details_pos,
        cast(cpp_pos as integer) as cpp_pos,
        cast(review_pos as integer) as review_pos,
        {{ stage_date('cppreviewdate', 'cpp_review_date') }}
    from parsed
)

select * from staged
