"""Write a census year's returns as DfE's national research extract (NPD).

One flat file per census year, `CIN_<census_year>.csv` (or tab-delimited `.txt`), with
that year's NPD columns (`seeds/ref_npd_variables.csv` and `ref_npd_variable_years.csv`,
docs/cin_census.md §3b) and a long `CIN_<census_year>_Disabilities` file. Grain: one row per
child x census year x referral; a referral with several plans in the year has one row per
plan (docs/cin_census.md §3b). DfE's anonymisation replaces the UPN by a stable Pupil Matching
Reference and the LAchildID by an anonymised ID (both keyed hashes, the LAchildID hash not
salted by LA, so two LAs using one ID collide as in the real extract).

Value-level damage that only the extract shows is added here, each instance logged with
its file line: legacy and badly typed codes, placeholder dates, closure dates before the
referral, identical duplicate rows, DateOfInitialCPC mostly missing, and CPP fields
missing for referrals of 1 April 2009 to 31 March 2012.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path
from typing import TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cin_warehouse import npd_spec
from cin_warehouse.synth import db
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.recording import QUIRK_LOG
from cin_warehouse.synth.returns import child_rows

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
PLACEHOLDER_DATES = ("1900-01-01", "1800-01-01")
CPP_GAP_START, CPP_GAP_END = "2009-04-01", "2012-03-31"
CODE_FIELDS = {
    "CIN_PrimaryNeedCode": "primary_need",
    "CIN_ReasonForClosure": "closure_reason",
    "CIN_EthnicGroupMinor": "ethnicity",
    "CIN_ReferralSource": "referral_source",
}
DATE_FIELDS_FOR_PLACEHOLDER = ("CIN_CINClosureDate", "CIN_CPPendDate")
# Every column `_Damage` reads or writes (the quirk log names the LA and child of a row).
DAMAGED_COLUMNS = frozenset(
    {
        *CODE_FIELDS,
        *DATE_FIELDS_FOR_PLACEHOLDER,
        "CIN_LA",
        "CIN_LA_09",
        "CIN_LAchildID_Anon",
        "CIN_ReferralDate",
        "CIN_DateOfInitialCPC",
        "CIN_CPPstartDate",
        "CIN_NumberOfPreviousCPP",
    }
)


@cache
def _codes() -> list[dict[str, str]]:
    with open(SEEDS_DIR / "ref_codes.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _ethnicity_maps() -> tuple[dict[str, str], dict[str, str]]:
    """(4-letter code -> 2008/09 old national code, 4-letter code -> major group)."""
    old: dict[str, str] = {}
    major: dict[str, str] = {}
    for row in _codes():
        if row["code_list"] != "ethnicity":
            continue
        if row["first_census_year"] == "2009" and row["last_census_year"] == "2009":
            old.setdefault(row["maps_to_code"], row["code"])
        elif row["is_legacy"] == "false":
            major[row["code"]] = row["group_code"]
    # Traveller of Irish heritage and Gypsy/Roma have no old code of their own (A3).
    old.setdefault("WIRT", "A3")
    old.setdefault("WROM", "A3")
    return old, major


def _legacy_candidates(code_list: str) -> tuple[dict[str, list[str]], list[str]]:
    """Legacy values by the current code they stand for, and those that stand for none."""
    mapped: dict[str, list[str]] = {}
    unmapped: list[str] = []
    for row in _codes():
        if row["code_list"] != code_list or row["is_legacy"] != "true":
            continue
        if row["first_census_year"] == row["last_census_year"] == "2009":
            continue  # the 2008/09 ethnicity codes are that year's real codes, not damage
        if row["maps_to_code"]:
            mapped.setdefault(row["maps_to_code"], []).append(row["code"])
        else:
            unmapped.append(row["code"])
    return mapped, unmapped


# The file's row order: LA, child, referral, plan (columns added to the query to sort by).
_FILE_ORDER = (
    ("file_order_la", "cd.la_code"),
    ("file_order_child", "cd.child_pos"),
    ("file_order_referral", "cd.cin_details_pos"),
    ("file_order_plan", "cpp.cpp_pos"),
)


# The NPD columns that are a column of a return table as it is (text): the query gives
# each table's row number (`<alias>_row`) and the column is taken from the table by it in
# Arrow, not carried through DuckDB's joins and export (session 13, scale 0.25, seed 1,
# the 18 years' queries twice, alternated: 35.8 -> 31.4 CPU s, the same rows). The
# aliases are the query's.
_TAKEN = {
    "PupilMatchingRefAnonymous": ("ch", "pupil_matching_ref"),
    "LAchildID_Anon": ("ch", "la_child_id_anon"),
    "Gender": ("ch", "Gender"),
    "ReferralDate": ("cd", "CINreferralDate"),
    "PrimaryNeedCode": ("cd", "PrimaryNeedCode"),
    "LA": ("ch", "la_code"),
    "LA_9CODE": ("ch", "la_code_9"),
    "LA_09": ("ch", "la_code"),
    "AsylumSeeking": ("ch", "AsylumSeeking"),
    "DateCeasedAsylumSeeking": ("ch", "DateCeasedAsylumSeeking"),
    "ServiceType": ("sp", "ServiceType"),
    "ServiceProvider": ("sp", "ServiceProvider"),
    "ServiceProvisionStartDate": ("sp", "ServiceProvisionStartDate"),
    "ServiceProvisionEndDate": ("sp", "ServiceProvisionEndDate"),
    "CINClosureDate": ("cd", "CINclosureDate"),
    "ReasonForClosure": ("cd", "ReasonForClosure"),
    "ReferralNFA": ("cd", "ReferralNFA"),
    "CPPstartDate": ("cpp", "CPPstartDate"),
    "NumberOfPreviousCPP": ("cpp", "NumberOfPreviousCPP"),
    "CPPendDate": ("cpp", "CPPendDate"),
    "CategoryOfAbuse": ("cpp", "InitialCategoryOfAbuse"),
    "InitialCategoryOfAbuse": ("cpp", "InitialCategoryOfAbuse"),
    "LatestCategoryOfAbuse": ("cpp", "LatestCategoryOfAbuse"),
    "ReferralSource": ("cd", "ReferralSource"),
}
# The return table behind each alias of `_TAKEN`.
_TAKEN_FROM = {"ch": "child", "cd": "cin_details", "cpp": "cpp", "sp": "service_provision"}


def _salted_md5(salt: str, column: str) -> str:
    return f"upper(substr(md5('{salt}' || {column}), 1, 12))"


def npd_rows(
    returns: dict[str, pa.Table], census_year: int, la_after_2009: pa.Table | None
) -> tuple[pa.Table, pa.Array]:
    """The year's NPD rows (all text), before value-level damage, in the query's order,
    and the indices that put them in file order (`rows.take(order)`: LA, child, referral,
    plan). The rows are not taken here: the damage takes each column once, into the
    file's order with its duplicated rows (`_Damage.apply`).
    `returns["child"]` carries the anonymised keys (`with_anonymised_keys`)."""
    con = db.connect()
    keyed = _with_child_key(
        returns, ("child", "cin_details", "cpp", "section47", "disability", "service_provision")
    )
    for alias, name in _TAKEN_FROM.items():
        keyed[name] = keyed[name].append_column(
            f"{alias}_row", pa.array(np.arange(keyed[name].num_rows, dtype=np.int64))
        )
    for name, table in keyed.items():
        con.register(name, table)
    old_ethnicity, major = _ethnicity_maps()
    con.register(
        "ethnicity_map",
        pa.table(
            {
                "code": list(major),
                "major": list(major.values()),
                "old_code": [old_ethnicity.get(c) for c in major],
            }
        ),
    )
    ref = date(census_year, 3, 31).isoformat()
    start = date(census_year - 1, 4, 1).isoformat()
    lgr = la_after_2009 if census_year == 2009 else None
    if lgr is not None:
        con.register("lgr", lgr)
    spec = {v.variable: v for v in npd_spec.variables(census_year)}
    birth = "coalesce(ch.PersonBirthDate, ch.ExpectedPersonBirthDate)::date"
    closed = "cd.CINclosureDate is not null"
    after_assessment_only = (
        "cd.ReasonForClosure in ('RC8', 'RC9') and icpc.n_s47 is null and cpp.CPPstartDate is null"
    )
    expressions = {
        "ACADYR": f"'{census_year - 1}/{census_year}'",
        "YearOfBirth": f"year({birth})",
        "MonthOfBirth": f"month({birth})",
        # 2008/09 writes the old national codes; later years the code as returned.
        "EthnicGroupMinor": "em.old_code" if census_year == 2009 else "ch.Ethnicity",
        "EthnicGroupMajor": "em.major",
        "Disability": "case when dis.has_disability then '1' else '0' end",
        "CINAt31March": f"case when not {closed} and cd.ReferralNFA = '0' then 1 else 0 end",
        "LA_LGR": "lgr.la_code_lgr",
        "LookedAfterChildAdopted": "case when cd.ReasonForClosure = 'RC1' then '1' else '0' end",
        "CPPindicator": "case when kid.on_plan_31_march then '1' else '0' end",
        # Postcodes are restricted in the real extract; here a clearly synthetic one.
        "PostCode": "'ZZ99 ' || substr(md5(ch.LAchildID), 1, 3)",
        "LLSOA": "'E0100' || lpad((hash(ch.LAchildID) % 9999)::varchar, 4, '0')",
        "IDACI_Score": "round((hash(ch.LAchildID) % 1000) / 1000.0, 3)::varchar",
        "IDACI_Rank": "(1 + hash(ch.LAchildID) % 32844)::varchar",
        # 2008/09 service provision: the referral's first service (see `first_service`).
        "LatestReferralDate": "kid.latest_referral",
        "LatestClosureDate": "kid.latest_closure",
        "AnyCasesOpen31March": "case when kid.any_open then '1' else '0' end",
        "DateOfInitialCPC": "coalesce(cd.DateOfInitialCPC, icpc.first_icpc)",
        "SeenSocialWorker": "case when cd.ReferralNFA = '1' then '0' else '1' end",
        "AgeStartOfCINPeriod": (
            f"date_sub('year', {birth}, greatest(cd.CINreferralDate::date, date '{start}'))"
        ),
        "AgeEndOfCINPeriod": (
            f"date_sub('year', {birth}, least(coalesce(cd.CINclosureDate::date, date '{ref}'),"
            f" date '{ref}'))"
        ),
        "Started": f"case when cd.CINreferralDate >= '{start}' then 1 else 0 end",
        "Ended": f"case when {closed} then 1 else 0 end",
        # In need at any point: not NFA, and not closed after an assessment alone (DfE).
        "AnyPoint": (
            f"case when cd.ReferralNFA = '1' or ({after_assessment_only}) then 0 else 1 end"
        ),
    }
    taken = {v: source for v, source in _TAKEN.items() if v in spec}
    if census_year != 2009:
        taken["EthnicGroupMinor"] = ("ch", "Ethnicity")
    missing = set(spec) - set(expressions) - set(taken)
    if missing:
        raise KeyError(f"no NPD expression for {sorted(missing)}")
    select = ",\n".join(
        [f"({expressions[v]})::varchar as {spec[v].npd_column}" for v in spec if v not in taken]
        + [f"{alias}.{alias}_row" for alias in _TAKEN_FROM]
    )
    lgr_join = "left join lgr on lgr.identity_id = ch.identity_id" if lgr is not None else ""
    # One row per plan only in years whose extract has plan columns (2008/09 and 2012/13
    # on); in 2009/10-2011/12 the grain is one row per referral.
    has_plan_columns = "CPPstartDate" in spec
    plans = "cpp" if has_plan_columns else "(select * from cpp where false) cpp"
    cpp_join = f"left join {plans} using (child_key, cin_details_pos)"
    sql = f"""
        with kid as (
            select child_key,
                   max(CINreferralDate) as latest_referral,
                   max(CINclosureDate) as latest_closure,
                   bool_or(CINclosureDate is null and ReferralNFA = '0') as any_open,
                   false as on_plan_31_march
            from cin_details group by all
        ),
        plan_open as (
            select child_key, bool_or(CPPendDate is null) as on_plan
            from cpp group by all
        ),
        dis as (
            select child_key, bool_or(Disability <> 'NONE') as has_disability
            from disability group by all
        ),
        icpc as (
            select child_key, cin_details_pos, min(DateOfInitialCPC) as first_icpc,
                   count(*) as n_s47
            from section47 group by all
        ),
        -- The extract keeps one row per referral (and plan): a referral with several
        -- services shows the one that started first (our choice; no document says).
        first_service as (
            select * from service_provision
            qualify row_number() over (
                partition by child_key, cin_details_pos
                order by ServiceProvisionStartDate, service_pos
            ) = 1
        )
        select {select},
               {", ".join(f"{key} as {name}" for name, key in _FILE_ORDER)}
        from cin_details cd
        join child ch using (child_key)
        join (select k.* exclude (on_plan_31_march),
                     coalesce(p.on_plan, false) as on_plan_31_march
              from kid k left join plan_open p using (child_key)) kid
            using (child_key)
        left join dis using (child_key)
        left join icpc using (child_key, cin_details_pos)
        left join first_service sp using (child_key, cin_details_pos)
        {cpp_join}
        left join ethnicity_map em on em.code = ch.Ethnicity
        {lgr_join}
    """
    try:
        result = con.sql(sql).to_arrow_table()
    finally:
        con.close()
    rows = pa.table(
        {
            spec[v].npd_column: (
                keyed[_TAKEN_FROM[taken[v][0]]][taken[v][1]].take(result[f"{taken[v][0]}_row"])
                if v in taken
                else result[spec[v].npd_column]
            )
            for v in spec
        }
        | {name: result[name] for name, _ in _FILE_ORDER}
    )
    # The file order by Arrow, not by an `order by`: DuckDB's sort carries every text
    # column along, Arrow sorts the keys alone (about 15% of the query).
    # The keys are unique (a referral without a plan has one row, its cpp_pos NULL: last).
    names = [name for name, _ in _FILE_ORDER]
    order = pc.sort_indices(
        rows,
        options=pc.SortOptions(sort_keys=[(name, "ascending", "at_end") for name in names]),
    )
    return rows.drop_columns(names), order


def _with_child_key(returns: dict[str, pa.Table], names: tuple[str, ...]) -> dict[str, pa.Table]:
    """The tables `names` of the returns, each with `child_key` appended: one int64 per
    (la_code, child_pos), the LA's position among the year's children's LAs in the high
    32 bits and child_pos in the low (NULL for an LA without children, which joins no
    child, as before). The NPD query joins and groups by it instead of by the text and
    integer pair: about 10% of the query's CPU at scale 0.25."""
    las = pc.unique(returns["child"]["la_code"])
    keyed = {}
    for name in names:
        table = returns[name]
        la = pc.index_in(table["la_code"], value_set=las).cast(pa.int64())
        key = pc.add(pc.shift_left(la, 32), table["child_pos"].cast(pa.int64()))
        keyed[name] = table.append_column("child_key", key)
    return keyed


ANONYMISED_KEYS = ("pupil_matching_ref", "la_child_id_anon")


def with_anonymised_keys(child: pa.Table, seed: int) -> pa.Table:
    """The year's child records with the PMR and anonymised LAchildID the extract writes
    appended (`ANONYMISED_KEYS`): hashed once per child and year, then read by the NPD
    rows, the disabilities file and the truth's record keys, instead of once per row of
    each."""
    salt = f"cin-synth-{seed}"
    with db.connect() as con:
        con.register("ch", child)
        # A projection of one table keeps its row order (DuckDB preserves insertion order).
        keys = con.sql(
            f"""select {_salted_md5(salt + "-pmr", "ch.UPN")} as pupil_matching_ref,
                       {_salted_md5(salt + "-la", "ch.LAchildID")} as la_child_id_anon
                from ch"""
        ).to_arrow_table()
    for name in ANONYMISED_KEYS:
        child = child.append_column(name, keys[name])
    return child


def disability_rows(returns: dict[str, pa.Table], census_year: int) -> pa.Table:
    """The long disabilities file: one row per child x year x disability (NONE left out).
    `returns["child"]` carries the anonymised keys (`with_anonymised_keys`). The child's
    columns are taken by its row (`returns.child_rows`), not joined in DuckDB."""
    d = returns["disability"]
    d = d.filter(pc.not_equal(d["Disability"], "NONE"))
    d = d.take(
        pc.sort_indices(
            d,
            [("la_code", "ascending"), ("child_pos", "ascending"), ("disability_pos", "ascending")],
        )
    )
    ch = returns["child"]
    child = pa.array(child_rows(ch, d))
    expressions = {
        "CIN_ACADYR": pa.repeat(pa.scalar(f"{census_year - 1}/{census_year}"), d.num_rows),
        "CIN_PupilMatchingRefAnonymous": ch["pupil_matching_ref"].take(child),
        "CIN_LAchildID_Anon": ch["la_child_id_anon"].take(child),
        "CIN_LA": d["la_code"],
        "CIN_LA_09": d["la_code"],
        "CIN_LA_LGR": d["la_code"],
        "CIN_DisabilityType": d["Disability"],
    }
    return pa.table({c: expressions[c] for c in npd_spec.npd_columns(census_year, "disabilities")})


class _LogEntry(TypedDict):
    """One damaged value: the row it is in (before duplication), or its line if known (-1).
    Its LA and anonymised child ID are read from the row when the log is built (the
    damage never changes them)."""

    row: int
    line: int
    quirk: str
    field: str
    true: object
    written: object


class _Column:
    """A text column of the extract under damage: its values as the query gave them (Arrow)
    and the values the damage changed, by row. Only the rows the damage reads become Python
    strings: a Python string per value of the damaged columns, and turning them all back
    into Arrow, were most of the damage's time."""

    def __init__(self, values: pa.ChunkedArray) -> None:
        self.values = values.combine_chunks()
        self.changed: dict[int, str | None] = {}

    def present(self) -> np.ndarray:
        """Element-wise: the row holds a value (changes included)."""
        valid = self.values.is_valid().to_numpy(zero_copy_only=False).copy()
        for row, value in self.changed.items():
            valid[row] = value is not None
        return valid

    def get(self, rows: np.ndarray) -> list[str | None]:
        """The values of `rows` (changes included), None where missing."""
        values = self.values.take(pa.array(rows, pa.int64())).to_pylist()
        if not self.changed:
            return values
        return [
            self.changed.get(row, value) for row, value in zip(rows.tolist(), values, strict=True)
        ]

    def current(self) -> pa.Array:
        """The whole column with its changes, as text."""
        values = self.values.cast(pa.string())
        if not self.changed:
            return values
        rows = sorted(self.changed)
        mask = np.zeros(len(values), dtype=bool)
        mask[rows] = True
        written = pa.array([self.changed[row] for row in rows], pa.string())
        return pc.replace_with_mask(values, pa.array(mask), written)


class _Damage:
    """Value-level quirks of the extract, logged with the line each lands on."""

    def __init__(self, settings: GeneratorSettings, census_year: int) -> None:
        self.s = settings
        self.year = census_year
        self.rng = np.random.default_rng([settings.seed, 3, census_year])
        self.log: list[_LogEntry] = []

    def rate(self, name: str) -> float:
        return self.s.quirk_rate(name, self.year)

    def knob(self, name: str) -> float:
        """How a quirk looks (not how often): config.toml [quirks]."""
        return float(self.s.cfg("quirks")[name])

    def apply(self, table: pa.Table, file_order: pa.Array) -> tuple[pa.Table, pa.Table]:
        """The rows of the file (`table` taken in `file_order`, damaged, with duplicates)
        and the quirk log. Row numbers below are positions in file order."""
        # The damage reads and changes few rows: every column stays in Arrow, and only the
        # rows read or changed become Python values (`_Column`).
        columns = {
            name: _Column(table[name].take(file_order))
            for name in table.column_names
            if name in DAMAGED_COLUMNS
        }
        n = table.num_rows
        self._legacy_codes(columns, n)
        self._placeholder_dates(columns, n)
        self._closure_before_referral(columns, n)
        self._initial_cpc_missing(columns, n)
        self._cpp_gap(columns, n)
        order = self._with_duplicates(n)
        take = pa.array(order)
        # A column the damage never reads is taken once, from the query's order straight
        # into the file's (the two orders composed), not sorted first and taken again.
        take_undamaged = file_order.take(take)
        damaged = pa.table(
            {
                name: (
                    columns[name].current().take(take)
                    if name in columns
                    else table[name].take(take_undamaged)
                ).cast(pa.string())
                for name in table.column_names
            }
        )
        # Row i of the file is line i + 2 (line 1 is the header).
        line_of_row = np.searchsorted(order, np.arange(n)) + 2
        rows = np.array([e["row"] for e in self.log], dtype=np.int64)
        la = columns.get("CIN_LA", columns.get("CIN_LA_09"))
        log = pa.table(
            {
                "census_year": np.full(len(self.log), self.year, dtype=np.int16),
                "quirk": [e["quirk"] for e in self.log],
                "la_code": la.get(rows) if la is not None else [None] * len(rows),
                "LAchildID": columns["CIN_LAchildID_Anon"].get(rows),
                "record_id": np.full(len(self.log), -1, dtype=np.int64),
                "field": [e["field"] for e in self.log],
                "true_value": [e["true"] for e in self.log],
                "written_value": [e["written"] for e in self.log],
            },
            schema=QUIRK_LOG,
        ).append_column(
            "line_number",
            pa.array(
                [
                    int(e["line"]) if e["line"] >= 0 else int(line_of_row[e["row"]])
                    for e in self.log
                ],
                pa.int64(),
            ),
        )
        return damaged, log

    def _note(self, row, quirk, field, true_value, written, line=-1) -> None:
        self.log.append(
            {
                "row": int(row),
                "line": line,
                "quirk": quirk,
                "field": field,
                "true": true_value,
                "written": written,
            }
        )

    def _legacy_codes(self, columns, n) -> None:
        rate = self.rate("legacy_code")
        rng = self.rng
        mappable_share = self.knob("legacy_code_mappable_share")
        unmappable_share = self.knob("legacy_code_unmappable_share")
        for field, code_list in CODE_FIELDS.items():
            if field not in columns or (field == "CIN_EthnicGroupMinor" and self.year == 2009):
                continue
            mapped, unmapped = _legacy_candidates(code_list)
            column = columns[field]
            rows = np.flatnonzero(column.present() & (rng.random(n) < rate))
            for row, true_value in zip(rows.tolist(), column.get(rows), strict=True):
                options = mapped.get(true_value, [])
                # A value picked by one bounded integer: the draw `rng.choice` of a list
                # makes, without turning the list into an array each time.
                if options and rng.random() < mappable_share:
                    written = options[rng.integers(len(options))]
                elif rng.random() < unmappable_share and unmapped:
                    written = unmapped[rng.integers(len(unmapped))]
                else:
                    written = f" {true_value} "  # padded, as fixed-width exports leave it
                column.changed[row] = written
                self._note(row, "legacy_code", field, true_value, written)

    def _placeholder_dates(self, columns, n) -> None:
        rate = self.rate("placeholder_date")
        for field in DATE_FIELDS_FOR_PLACEHOLDER:
            if field not in columns:
                continue
            column = columns[field]
            for row in np.flatnonzero(~column.present() & (self.rng.random(n) < rate)).tolist():
                written = PLACEHOLDER_DATES[self.rng.integers(len(PLACEHOLDER_DATES))]
                column.changed[row] = written
                self._note(row, "placeholder_date", field, None, written)

    def _closure_before_referral(self, columns, n) -> None:
        if "CIN_CINClosureDate" not in columns:
            return
        closure, referral = columns["CIN_CINClosureDate"], columns["CIN_ReferralDate"]
        rate = self.rate("closure_before_referral")
        rows = np.flatnonzero(closure.present() & (self.rng.random(n) < rate))
        for row, closed, referred in zip(
            rows.tolist(), closure.get(rows), referral.get(rows), strict=True
        ):
            if closed in PLACEHOLDER_DATES:
                continue
            written = str(
                np.datetime64(referred) - np.timedelta64(int(self.rng.integers(1, 61)), "D")
            )
            self._note(row, "closure_before_referral", "CIN_CINClosureDate", closed, written)
            closure.changed[row] = written

    def _initial_cpc_missing(self, columns, n) -> None:
        if "CIN_DateOfInitialCPC" not in columns:
            return
        column = columns["CIN_DateOfInitialCPC"]
        rate = self.rate("initial_cpc_missing")
        rows = np.flatnonzero(column.present() & (self.rng.random(n) < rate))
        for row, value in zip(rows.tolist(), column.get(rows), strict=True):
            self._note(row, "initial_cpc_missing", "CIN_DateOfInitialCPC", value, None)
            column.changed[row] = None

    def _cpp_gap(self, columns, n) -> None:
        """CPP start and previous plans are missing for referrals of 2009/10 to 2011/12."""
        if "CIN_CPPstartDate" not in columns or self.year == 2009 or self.s.clean:
            return
        referral = columns["CIN_ReferralDate"].current()
        in_gap = pc.fill_null(
            pc.and_(
                pc.greater_equal(referral, CPP_GAP_START), pc.less_equal(referral, CPP_GAP_END)
            ),
            False,
        ).to_numpy(zero_copy_only=False)
        for field in ("CIN_CPPstartDate", "CIN_NumberOfPreviousCPP"):
            column = columns[field]
            rows = np.flatnonzero(in_gap & column.present())
            for row, value in zip(rows.tolist(), column.get(rows), strict=True):
                self._note(row, "cpp_fields_missing_2010_2012", field, value, None)
                column.changed[row] = None

    def _with_duplicates(self, n) -> np.ndarray:
        """Row order of the file: each duplicated row appears twice, one after the other."""
        dup = self.rng.random(n) < self.rate("duplicate_row")
        order = np.repeat(np.arange(n), np.where(dup, 2, 1))
        position = np.cumsum(np.where(dup, 2, 1)) - 1  # position of the second copy
        for row in np.flatnonzero(dup):
            self._note(row, "duplicate_row", "*", None, None, line=int(position[row]) + 2)
        return order


def _write_text(table: pa.Table, path: Path, delimiter: str) -> None:
    """Header and rows unquoted, as DfE delivers them. No value can contain the delimiter
    (codes, dates, numbers), and pyarrow refuses to write one that would."""
    with open(path, "wb") as handle:
        handle.write((delimiter.join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(
            table,
            handle,
            pacsv.WriteOptions(include_header=False, delimiter=delimiter, quoting_style="none"),
        )


def write_npd_year(
    returns: dict[str, pa.Table],
    census_year: int,
    out_dir: Path,
    settings: GeneratorSettings,
    la_after_2009: pa.Table | None = None,
    delimiter: str = ",",
) -> tuple[list[Path], pa.Table, int]:
    """Write the year's two NPD files; returns their paths, the quirk log with lines and
    the number of rows of the main file (header not counted).

    `la_after_2009` (identity_id, la_code_lgr) gives 2008/09's LA_LGR column."""
    missing = [key for key in ANONYMISED_KEYS if key not in returns["child"].column_names]
    if missing:
        raise ValueError(
            f"returns['child'] lacks {missing}: add them with npd_writer.with_anonymised_keys"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "csv" if delimiter == "," else "txt"
    rows, log = _Damage(settings, census_year).apply(*npd_rows(returns, census_year, la_after_2009))
    main = out_dir / f"CIN_{census_year}.{suffix}"
    disabilities = out_dir / f"CIN_{census_year}_Disabilities.{suffix}"
    _write_text(rows, main, delimiter)
    dis = disability_rows(returns, census_year)
    _write_text(
        dis.cast(pa.schema([(f.name, pa.string()) for f in dis.schema])), disabilities, delimiter
    )
    return [main, disabilities], log, rows.num_rows
