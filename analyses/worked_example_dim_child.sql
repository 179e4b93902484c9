-- Worked example, dim_child: children per source and sex, with how many carry more than
-- one identifier (PMR/UPN) or disagreeing birth dates or sex across their records, the
-- flags a researcher checks before linking (BMJ Open 2019).
select
    source_kind,
    coalesce(sex, 'unknown') as sex,
    count(*) as children,
    count(*) filter (where has_multiple_identifiers) as children_with_two_identifiers,
    count(*) filter (where has_birth_conflict) as children_with_birth_conflict,
    count(*) filter (where has_sex_conflict) as children_with_sex_conflict
from {{ ref('dim_child') }}
group by source_kind, coalesce(sex, 'unknown')
order by source_kind, sex
