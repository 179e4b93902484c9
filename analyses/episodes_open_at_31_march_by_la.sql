-- Worked example: episodes open at 31 March by LA, from the episode fact.
-- (The official "children in need at 31 March" measure, with its exclusions,
-- comes with the LA-year marts.)
select
    la_code,
    count(*) as episodes_open
from {{ ref('fct_episode') }}
where is_open
group by la_code
order by la_code
