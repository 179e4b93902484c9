"""DfE's validation rules against the synthetic world's quirks (the generator's contract).

In clean mode the files raise no DfE *error*; with quirks on, every failing row of every
rule test is explained: either by a quirk that the truth quirk log marks on the same keys,
of a kind that `rule_quirks.csv` maps to the rule, or by the same failure in the clean world
of the same seed (the simulation itself, as DATA_QUALITY.md documents for each query).

Failing rows come from the builds of the `warehouse` and `clean_warehouse` fixtures, which
store them (`--store-failures`; dbt's manifest names each test's table), so no extra dbt
run is needed. Each failing row is reduced to its keys: census year, LA code, the
child's LAchildID (XML: the LA's ID, found from `child_pos`; NPD: the anonymised ID), the
referral dates the row names (its own, and for the overlap and latest-episode rules the
other episode's) and, on the NPD, its file line; for the comparison with the clean world
also to the truth's keys (TRUE_KEYS).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tests.python.conftest import BuiltWarehouse

RULE_QUIRKS = Path(__file__).with_name("rule_quirks.csv")
# Columns of a rule test's failing rows that name an episode by its referral date.
REFERRAL_DATE_COLUMNS = ("referral_date", "overlapped_referral_date", "latest_referral_date")
FAILING_ROW = pa.schema(
    [
        ("rule_code", pa.string()),
        ("rule_type", pa.string()),
        ("test", pa.string()),
        ("source", pa.string()),
        ("census_year", pa.int32()),
        ("la_code", pa.string()),
        ("child_id", pa.string()),
        ("referral_dates", pa.list_(pa.date32())),
        ("line_number", pa.int64()),
    ]
)
# The same keys as the truth knows them (truth/record_keys.parquet, records.parquet): the
# child's LA record (identity) and the true referral dates. A quirk can change the written
# keys of a failure it did not cause (a collided LAchildID, an amended referral date), so
# failures are compared with the clean world on these.
TRUE_KEYS = """
with
record_keys as (
    select
        census_year::int as census_year,
        la_code,
        la_child_id,
        la_child_id_anon,
        identity_id,
        referral_date_written::date as written,
        record_id
    from read_parquet($record_keys)
),
children as (
    select census_year, la_code, la_child_id, la_child_id_anon, min(identity_id) as identity_id
    from record_keys
    group by all
),
referrals as (
    select k.census_year, k.identity_id, k.written, min(r.referral_date) as referral_date
    from record_keys as k
    inner join read_parquet($records) as r using (record_id)
    group by all
),
identified as (
    select f.*, c.identity_id, row_number() over () as row_id
    from failing as f
    left join children as c
        on f.census_year = c.census_year and f.la_code = c.la_code
        and f.child_id = case f.source when 'xml' then c.la_child_id else c.la_child_id_anon end
),
dates as (
    select
        row_id,
        census_year,
        identity_id,
        unnest(referral_dates) as written,
        generate_subscripts(referral_dates, 1) as position
    from identified
),
true_dates as (
    select d.row_id, list(coalesce(r.referral_date, d.written) order by d.position) as dates
    from dates as d
    left join referrals as r using (census_year, identity_id, written)
    group by d.row_id
)
select
    i.* exclude (row_id),
    coalesce(t.dates, []::date[]) as true_referral_dates
from identified as i
left join true_dates as t using (row_id)
order by i.row_id
"""

# The keys each quirk marks, from truth/quirks.parquet and truth/record_keys.parquet:
# - record-level quirks (record_id set: missing closure, phantom re-referral, amended
#   referral date) mark the record, as written, in the return of the quirk's year (the
#   generator logs them in every return that shows them); a case left out of a return
#   (open_case_not_returned) is in no record key of that year and marks the child;
# - identifier quirks (second UPN, UPN missing; LAchildID collision in year 0 = all years)
#   mark the child in that LA's return, whatever the episode;
# - NPD value-level quirks mark one line of one year's file (and the referral date on it);
#   a duplicated line (logged on the second copy) carries the quirks of its first copy.
QUIRK_KEYS = """
with
quirks as (select * from read_parquet($quirks)),
record_keys as (select * from read_parquet($record_keys)),
children as (
    select distinct census_year, la_code, la_child_id, la_child_id_anon from record_keys
),
record_level as (
    select
        q.quirk,
        k.census_year::int as census_year,
        k.la_code,
        k.la_child_id as xml_child_id,
        k.la_child_id_anon as npd_child_id,
        k.referral_date_written::date as referral_date,
        null::bigint as line_number
    from quirks as q
    inner join record_keys as k on q.record_id = k.record_id and q.census_year = k.census_year
    where q.record_id >= 0 and q.quirk <> 'open_case_not_returned'
),
child_level as (
    select q.quirk, k.census_year::int, k.la_code, k.la_child_id, k.la_child_id_anon, null, null
    from quirks as q
    inner join children as k
        on q.la_code = k.la_code and q.LAchildID = k.la_child_id
        and q.census_year in (0, k.census_year)
    where q.record_id < 0 and q.line_number is null
),
left_out as (
    select distinct
        q.quirk, q.census_year::int, q.la_code, q.LAchildID, k.la_child_id_anon, null, null
    from quirks as q
    left join (select distinct la_code, la_child_id, la_child_id_anon from record_keys) as k
        on q.la_code = k.la_code and q.LAchildID = k.la_child_id
    where q.quirk = 'open_case_not_returned'
),
npd_lines as (select * from quirks where line_number is not null),
npd_lines_with_copies as (
    select * from npd_lines
    union all
    select first_copy.* replace (duplicate.line_number as line_number)
    from npd_lines as first_copy
    inner join npd_lines as duplicate
        on first_copy.census_year = duplicate.census_year
        and first_copy.line_number = duplicate.line_number - 1
    where duplicate.quirk = 'duplicate_row' and first_copy.quirk <> 'duplicate_row'
),
npd_line_level as (
    select q.quirk, q.census_year::int, q.la_code, null, q.LAchildID, s.referral_date, q.line_number
    from npd_lines_with_copies as q
    left join staging.stg_npd__cin as s
        on q.census_year = s.census_year and q.line_number = s.source_line_number
)
select * from record_level
union all select * from child_level
union all select * from left_out
union all select * from npd_line_level
"""

# A failing row is explained by a quirk of a mapped kind on the same census year and LA and,
# where the row has them, the same child, the same file line (NPD value-level quirks) or one
# of the row's referral dates (record-level quirks). Identifier quirks mark the whole child;
# a row without child keys (LA-level queries) is matched on census year and LA.
UNEXPLAINED = """
select f.*
from failing as f
where
    not exists (
        select 1
        from quirk_keys as q
        inner join rule_quirks as m on m.rule_code = f.rule_code and m.quirk = q.quirk
        where
            q.census_year = f.census_year
            and q.la_code = f.la_code
            and (
                f.child_id is null
                or f.child_id = case f.source when 'xml' then q.xml_child_id else q.npd_child_id end
            )
            and case
                when f.line_number is not null and q.line_number is not null
                    then q.line_number = f.line_number
                when q.referral_date is not null and len(f.referral_dates) > 0
                    then list_contains(f.referral_dates, q.referral_date)
                else true
            end
    )
    and not exists (
        select 1
        from clean_failing as c
        where
            c.test = f.test
            and c.census_year = f.census_year
            and c.la_code = f.la_code
            and c.identity_id is not distinct from f.identity_id
            and (f.identity_id is not null or f.child_id is null)
            and c.true_referral_dates = f.true_referral_dates
    )
"""


@dataclass(frozen=True)
class RuleTest:
    name: str
    rule_code: str
    rule_type: str  # DfE's type: error or query
    source: str  # xml or npd
    failures_table: str


def rule_tests(built: BuiltWarehouse) -> list[RuleTest]:
    """Every DfE rule test of the build, from dbt's manifest."""
    manifest = json.loads((built.target_dir / "manifest.json").read_text(encoding="utf-8"))
    tests = [
        RuleTest(
            name=node["name"],
            rule_code=node["config"]["meta"]["dfe_rule_code"],
            rule_type=node["config"]["meta"]["dfe_rule_type"],
            source=node["config"]["meta"]["source"],
            failures_table=node["relation_name"],
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and "dfe_rule" in node["tags"]
    ]
    assert len(tests) == 144, "DATA_QUALITY.md counts 109 XML and 35 NPD rule tests"
    return sorted(tests, key=lambda t: t.name)


def failing_rows(built: BuiltWarehouse) -> pa.Table:
    """The keys of every failing row of every rule test on a built warehouse."""
    batches = []
    with built.con.cursor() as cur:
        for test in rule_tests(built):
            columns = [row[0] for row in cur.execute(f"describe {test.failures_table}").fetchall()]
            joins, child = "", "null"
            if "la_child_id" in columns:
                child = "f.la_child_id"
            elif "child_pos" in columns:
                joins += (
                    " left join staging.stg_xml__child as c using (census_year, la_code, child_pos)"
                )
                child = "c.la_child_id"
            dates = [f"f.{c}" for c in REFERRAL_DATE_COLUMNS if c in columns]
            if not dates and "cin_details_pos" in columns:
                joins += (
                    " left join staging.stg_xml__cin_details as d"
                    " using (census_year, la_code, child_pos, cin_details_pos)"
                )
                dates = ["d.referral_date"]
            line = "f.source_line_number" if "source_line_number" in columns else "null"
            dates_list = f"list_filter([{', '.join(dates)}], lambda x: x is not null)"
            batches.append(
                cur.sql(
                    f"""select ? as rule_code, ? as rule_type, ? as test, ? as source,
                           f.census_year, f.la_code, {child} as child_id,
                           {dates_list} as referral_dates,
                           {line} as line_number
                        from {test.failures_table} as f {joins}""",
                    params=[test.rule_code, test.rule_type, test.name, test.source],
                )
                .to_arrow_table()
                .cast(FAILING_ROW)
            )
        cur.register("failing", pa.concat_tables(batches))
        # Arrow from a relation (con.sql): from a DB-API result DuckDB 2.0 copies the rows
        return cur.sql(
            TRUE_KEYS,
            params={
                "record_keys": str(built.truth_dir / "record_keys.parquet"),
                "records": str(built.truth_dir / "records.parquet"),
            },
        ).to_arrow_table()


def rule_quirk_map() -> pa.Table:
    with RULE_QUIRKS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(row["reason"].strip() for row in rows), "every mapping needs its reason"
    return pa.Table.from_pylist(rows)


@pytest.fixture(scope="module")
def clean_failing(clean_warehouse: BuiltWarehouse) -> pa.Table:
    return failing_rows(clean_warehouse)


@pytest.fixture(scope="module")
def quirky_failing(warehouse: BuiltWarehouse) -> pa.Table:
    return failing_rows(warehouse)


def test_clean_world_raises_no_dfe_error(clean_failing: pa.Table) -> None:
    errors = Counter(
        row["test"] for row in clean_failing.to_pylist() if row["rule_type"] == "error"
    )
    assert not errors, f"DfE error rules fail on the clean world: {dict(errors)}"


def test_every_failure_on_the_quirky_world_is_explained(
    warehouse: BuiltWarehouse, quirky_failing: pa.Table, clean_failing: pa.Table
) -> None:
    with warehouse.con.cursor() as cur:
        cur.register("failing", quirky_failing)
        cur.register("clean_failing", clean_failing)
        cur.register("rule_quirks", rule_quirk_map())
        cur.execute(
            f"create temp table quirk_keys as {QUIRK_KEYS}",
            {
                "quirks": str(warehouse.truth_dir / "quirks.parquet"),
                "record_keys": str(warehouse.truth_dir / "record_keys.parquet"),
            },
        )
        unexplained = cur.sql(UNEXPLAINED).to_arrow_table().to_pylist()
    by_test = Counter(row["test"] for row in unexplained)
    examples = unexplained[:5]
    assert not unexplained, f"failing rows no mapped quirk explains: {dict(by_test)}; {examples}"


def test_mapping_names_rules_and_quirks_that_exist(warehouse: BuiltWarehouse) -> None:
    mapping = rule_quirk_map().to_pylist()
    codes = {test.rule_code for test in rule_tests(warehouse)}
    kinds = {
        row[0]
        for row in duckdb.sql(
            f"select distinct quirk from read_parquet('{warehouse.truth_dir / 'quirks.parquet'}')"
        ).fetchall()
    }
    assert {row["rule_code"] for row in mapping} <= codes
    assert {row["quirk"] for row in mapping} <= kinds
    assert len({(row["rule_code"], row["quirk"]) for row in mapping}) == len(mapping)
