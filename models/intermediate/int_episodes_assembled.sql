-- One row per episode. Episode key = LA + LAchildID + referral date (BMJ Open 2019,
-- "Data structure"): LAchildID is unique only within an LA. An episode recurs once per
-- census year; the most recent record is the most accurate, so it wins.
-- NPD records only: the research extract anonymises LAchildID, so its episodes and an LA's
-- own returns (XML) cannot share a key; rebuilding across sources is the identity model's.
with records as (
    select * from {{ ref('int_records_conformed__episode_year') }}
    where source_kind = 'npd'
),

ranked as (
    select
        *,
        row_number() over (
            partition by la_code, la_child_id, referral_date
            order by census_year desc, first_source_line_number desc
        ) as recency_rank
    from records
)

select
    {{ episode_key('la_code', 'la_child_id', 'referral_date') }} as episode_id,
    la_code,
    la_child_id,
    referral_date,
    closure_date,
    primary_need_code,
    census_year as last_census_year,
    source_file,
    first_source_line_number as source_line_number
from ranked
where recency_rank = 1
