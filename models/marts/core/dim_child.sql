-- The child dimension: one row per child (source + harmonised LA + LAchildID), with its
-- cleaned identifier, person, resolved demographics and identity flags
-- (int_children_identified holds every rule).
-- A view: as a table it copied int_children_identified's 6.8M rows at national scale (13-14
-- CPU s alone; BENCHMARKS.md, session 21); the view reads that table's columns. It holds no
-- constraint, so the not_null test checks child_id (the contract still checks each column's
-- name and type).
{{ config(materialized='view') }}
select
    child_id,
    person_id,
    source_kind,
    la_code,
    la_code_current,
    la_child_id,
    pupil_matching_ref,
    upn,
    identifier_count,
    has_multiple_identifiers,
    has_shared_identifier,
    has_shared_identifier_conflict,
    is_person_link_converged,
    birth_year,
    birth_month,
    has_birth_conflict,
    sex,
    has_sex_conflict,
    ethnicity_code,
    has_ethnicity_conflict,
    has_disability,
    first_census_year,
    last_census_year
from {{ ref('int_children_identified') }}
