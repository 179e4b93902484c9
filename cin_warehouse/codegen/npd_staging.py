"""The NPD staging layer written from the spec seeds: per-year models, their YAML, doc blocks.

Inputs (each fact in one place):
  seeds/ref_census_years.csv          the census years (first and last)
  seeds/ref_npd_variables.csv         each variable: NPD column, staging name, type, description
  seeds/ref_npd_variable_years.csv    the years each variable is populated (spans; an empty
                                      last_year: still collected, so a new year needs no row)
  seeds/ref_codes.csv                 which code lists have legacy values to recode, and the
                                      code tables of the doc blocks (`code_tables`)
  cin_warehouse/codegen/npd_notes.toml  prose: what changed in a year, XML element, caveats

Outputs: models/staging/npd/stg_npd__{cin,disabilities}_<year>.sql, the main table's union
models/staging/npd/stg_npd__cin.sql, the models YAML models/staging/npd/_npd__models.yml, the
doc blocks models/docs/_docs_cin_variables.md and the census-year list
macros/staging/census_years.sql that the disabilities union iterates.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cin_warehouse import npd_spec
from cin_warehouse.codegen import code_tables
from cin_warehouse.ingest import schema

REPO_DIR = Path(__file__).resolve().parents[2]
NPD_MODELS_DIR = REPO_DIR / "models" / "staging" / "npd"
NPD_MODELS_YAML = NPD_MODELS_DIR / "_npd__models.yml"
VARIABLE_DOCS = REPO_DIR / "models" / "docs" / "_docs_cin_variables.md"
CENSUS_YEARS_MACRO = REPO_DIR / "macros" / "staging" / "census_years.sql"
NOTES_FILE = Path(__file__).with_name("npd_notes.toml")

COMMAND = "python -m cin_warehouse.codegen"
MODEL_PREFIX = {"main": "stg_npd__cin_", "disabilities": "stg_npd__disabilities_"}
SQL_TYPES = {"integer": "integer", "decimal": "double"}
INDENT = "        "

# The file kinds whose year models hold only their year's variables, and whose union (a view)
# fills the absent ones with the typed NULLs of the `absent_*` macros. Writing a cell costs
# DuckDB 2.0 the same CPU whatever it holds, and 37% of the cells of the 16.5M-row main union
# (787M) were absent variables: written as 18 tables of their year's columns, the main table
# took 186.7, 176.5 -> 140.5, 141.2 CPU s at scale 1 (2 threads, 3 GB, runs alternated; same
# file size; BENCHMARKS.md, session 19). The disabilities table's absent columns are 3.7M of
# its 26.2M cells, about 0.2 CPU s of a 4.6 s union: it stays a union table of year views
# whose models emit the typed NULLs themselves.
FILLED_BY_UNION = frozenset({"main"})


@dataclass(frozen=True)
class _Notes:
    year_notes: dict[str, dict[int, str]]
    xml_element: dict[str, str]
    notes: dict[str, str]
    documented_elsewhere: frozenset[str]


# A staged NPD row is its raw row: the load and the physical line name it (each year model
# and each union; a year's test points a failure at its file).
PRIMARY_KEY_TEST = (
    "    data_tests:",
    "      - unique_combination_of_columns:",
    "          arguments:",
    "            combination_of_columns:",
    "              - load_id",
    "              - source_line_number",
)


def _load_notes(path: Path = NOTES_FILE) -> _Notes:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    variables = data.get("variables", {})
    # A note for a year or variable the seeds do not have would be silently dropped: refuse.
    names = {v.staging_name for kind in npd_spec.FILE_KINDS for v in _all_variables(kind)}
    problems = [f"[variables.{n}]: no such staging name" for n in variables if n not in names]
    problems += [
        f"documented_elsewhere: no such staging name {n!r}"
        for n in data.get("documented_elsewhere", [])
        if n not in names
    ]
    for kind, notes in data.get("year_notes", {}).items():
        if kind not in npd_spec.FILE_KINDS:
            problems.append(f"[year_notes.{kind}]: file kind must be one of {npd_spec.FILE_KINDS}")
        problems += [
            f"[year_notes.{kind}] {year}: not a census year of ref_census_years"
            for year in notes
            if not year.isdigit() or int(year) not in npd_spec.CENSUS_YEARS
        ]
    for name, entry in variables.items():
        problems += [
            f"[variables.{name}] {key}: unknown key (xml_element, notes)"
            for key in entry
            if key not in ("xml_element", "notes")
        ]
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return _Notes(
        year_notes={
            kind: {int(year): text.strip() for year, text in notes.items()}
            for kind, notes in data.get("year_notes", {}).items()
        },
        xml_element={n: v["xml_element"] for n, v in variables.items() if "xml_element" in v},
        notes={n: v["notes"] for n, v in variables.items() if "notes" in v},
        documented_elsewhere=frozenset(data.get("documented_elsewhere", [])),
    )


def _legacy_code_lists() -> frozenset[str]:
    """Code lists with legacy values: their variables are staged with `stage_coded`."""
    with open(npd_spec.SEEDS_DIR / "ref_codes.csv", encoding="utf-8", newline="") as handle:
        return frozenset(r["code_list"] for r in csv.DictReader(handle) if r["is_legacy"] == "true")


def _all_variables(kind: str) -> list[npd_spec.NpdVariable]:
    """Every variable of a file kind in any census year, in file column order."""
    seen: dict[str, npd_spec.NpdVariable] = {}
    for year in npd_spec.CENSUS_YEARS:
        for v in npd_spec.variables(year, kind):
            seen.setdefault(v.variable, v)
    return sorted(seen.values(), key=lambda v: v.column_order)


def _years_of(kind: str) -> dict[str, list[int]]:
    years: dict[str, list[int]] = {}
    for year in npd_spec.CENSUS_YEARS:
        for v in npd_spec.variables(year, kind):
            years.setdefault(v.variable, []).append(year)
    return years


def _year_span(years: Iterable[int]) -> str:
    """2009, 2013-2026: runs of consecutive years."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _code_list(v: npd_spec.NpdVariable, legacy: frozenset[str]) -> str | None:
    """The ref_codes list of a code variable with legacy values (`ethnicity_code`: ethnicity)."""
    name = v.staging_name.removesuffix("_code")
    return name if v.data_type == "code" and name in legacy else None


def _stem(name: str) -> str:
    """The companion stem, as macros/staging/stage_values.sql `value_stem` makes it."""
    for prefix in ("is_", "has_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# ---------------------------------------------------------------------------------------------
# Per-year SQL


def _parse(v: npd_spec.NpdVariable, year: int, legacy: frozenset[str]) -> str | None:
    """The `parsed` CTE's macro call of a variable the typing macros parse; None for text and
    codes without legacy values, staged straight from the raw column."""
    raw = v.npd_column.lower()
    code_list = _code_list(v, legacy)
    if code_list:
        return f"parse_coded('{raw}', '{code_list}', {year})"
    if v.data_type in SQL_TYPES:
        return f"parse_cast('{raw}', '{SQL_TYPES[v.data_type]}')"
    if v.data_type in ("flag", "date"):
        return f"parse_{v.data_type}('{raw}')"
    return None


def _staged(v: npd_spec.NpdVariable, legacy: frozenset[str]) -> str:
    raw, name = v.npd_column.lower(), v.staging_name
    if _code_list(v, legacy):
        return f"stage_coded('{raw}', '{name}')"
    if v.data_type in SQL_TYPES:
        return f"stage_cast('{raw}', '{name}')"
    macro = {"text": "stage_text", "code": "stage_code", "flag": "stage_flag", "date": "stage_date"}
    return f"{macro[v.data_type]}('{raw}', '{name}')"


def _absent(v: npd_spec.NpdVariable, legacy: frozenset[str]) -> str:
    name = v.staging_name
    if _code_list(v, legacy):
        return f"absent_coded('{name}')"
    if v.data_type in SQL_TYPES:
        return f"absent_cast('{name}', '{SQL_TYPES[v.data_type]}')"
    macro = {"text": "absent_value", "code": "absent_value", "flag": "absent_flag"}
    return f"{macro.get(v.data_type, 'absent_date')}('{name}')"


def _la_code(present: set[str], year: int, kind: str) -> str:
    """`la_code` from CIN_LA (and its duplicate CIN_CIN_LA), or CIN_LA_09 before CIN_LA existed."""
    if "LA" in present:
        return f"npd_la_code('cin_la', '{schema.LA_ALIAS.lower()}')"
    if "LA_09" in present:
        return "npd_la_code('cin_la_09')"
    raise ValueError(f"census year {year} ({kind}): neither CIN_LA nor CIN_LA_09 is populated")


def _sql_comment(text: str) -> list[str]:
    return [f"-- {line}".rstrip() for line in text.splitlines()]


def _prepared_cte(name: str, source: str, columns: list[str]) -> list[str]:
    """A CTE adding `columns` to `source`'s (none when there are no columns to add)."""
    if not columns:
        return []
    body = [f"{line}," for line in columns[:-1]] + [columns[-1]]
    return [f"{name} as (", "    select", f"{INDENT}*,", *body, f"    from {source}", "),", ""]


def year_model_sql(year: int, kind: str, notes: _Notes, legacy: frozenset[str]) -> str:
    present = {v.variable for v in npd_spec.variables(year, kind)}
    note = notes.year_notes.get(kind, {}).get(year, "")
    header = [f"-- Generated by `{COMMAND}` from the NPD spec seeds: do not edit."]
    if kind == "main":
        header += _sql_comment(f"Census year {year}. {note}".strip())
        header.append(
            "-- Typing, placeholder and legacy-code rules: macros/staging (one place per rule)."
        )
    else:
        header.append(
            f"-- Census year {year}: the disabilities table, one row per child x disability."
        )
        header += _sql_comment(note)
        header.append("-- Typing rules: macros/staging (one place per rule).")
    items = ["npd_provenance()", _la_code(present, year, kind)]
    comments = ["", ""]
    parsed = []
    for v in _all_variables(kind):
        if v.variable == "LA":
            continue
        if v.variable in present:
            items.append(_staged(v, legacy))
            comments.append("")
            parse = _parse(v, year, legacy)
            if parse:
                parsed.append((v.npd_column.lower(), parse))
        elif kind not in FILLED_BY_UNION:
            items.append(_absent(v, legacy))
            comments.append("  -- not in this year")
    columns = [
        f"{INDENT}{{{{ {item} }}}}{'' if i == len(items) - 1 else ','}{comment}"
        for i, (item, comment) in enumerate(zip(items, comments, strict=True))
    ]
    table = schema.npd_table(year, kind).split(".")[1]
    cleaned = [f"{INDENT}{{{{ clean_value('{raw}') }}}}" for raw, _ in parsed]
    parses = [f"{INDENT}{{{{ {parse} }}}}" for _, parse in parsed]
    lines = [
        *header,
        "with source as (",
        f"    select * from {{{{ source('npd', '{table}') }}}}",
        "),",
        "",
        *(
            ["-- Each raw value cleaned, then parsed, once (macros/staging/stage_values.sql)."]
            if cleaned
            else []
        ),
        *_prepared_cte("cleaned", "source", cleaned),
        *_prepared_cte("parsed", "cleaned" if cleaned else "source", parses),
        "staged as (",
        "    select",
        *columns,
        f"    from {'parsed' if parses else 'source'}",
        ")",
        "",
        *(_derived_select(year) if kind in FILLED_BY_UNION else ["select * from staged"]),
    ]
    return "\n".join(lines) + "\n"


def _derived_select(year: int) -> list[str]:
    """The columns the main union has beyond the variables, computed per year so that the union
    (a view) only fills the absent variables: the LA harmonisation columns (for 2008/09 of the
    post-April-2009 LA, CIN_LA_LGR, when there is one) and, in a year with closure dates, the
    closure-before-referral flag."""
    present = _staging_names(year, "main")
    la_code = "la_code"
    if "la_code_post_2009" in present:
        la_code = "coalesce(la_code_post_2009, la_code)"
    derived = [f"la_harmonisation('{la_code}')"]
    if _has_closure_dates(year):
        derived.append("closure_before_referral('closure_date', 'referral_date')")
    calls = [f"    {{{{ {d} }}}}" for d in derived]
    return [
        "-- The LA harmonisation columns (docs/cin_census.md §5) and the closure-before-referral",
        "-- flag, here so that the union stg_npd__cin adds nothing but the absent variables.",
        "select",
        "    *,",
        *(f"{call}," for call in calls[:-1]),
        calls[-1],
        "from staged",
    ]


def _staging_names(year: int, kind: str) -> set[str]:
    return {v.staging_name for v in npd_spec.variables(year, kind)}


def _has_closure_dates(year: int) -> bool:
    return {"closure_date", "referral_date"} <= _staging_names(year, "main")


def _years_by_variables(kind: str) -> list[list[int]]:
    """The census years grouped by the variables they populate (the same set: one group)."""
    groups: dict[frozenset[str], list[int]] = {}
    for year in npd_spec.CENSUS_YEARS:
        present = frozenset(v.variable for v in npd_spec.variables(year, kind))
        groups.setdefault(present, []).append(year)
    return list(groups.values())


def union_sql(kind: str, legacy: frozenset[str]) -> str:
    """The union of a FILLED_BY_UNION kind: a view of every year model's rows in one column
    order. Years of the same variables are unioned first (one CTE per group), so that each
    group's absent variables are named once, as the `absent_*` macros' typed NULLs (flags
    false); the groups are unioned by name and the columns put in one order at the end."""
    name = UNION_MODELS[kind][0]
    groups = _years_by_variables(kind)
    ctes: list[str] = []
    fills: list[str] = []
    for years in groups:
        cte = "years_" + "_".join(str(y) for y in years)
        refs = [f"    select * from {{{{ ref('{MODEL_PREFIX[kind]}{y}') }}}}" for y in years]
        ctes += [
            f"{cte} as (",
            *"\n    union all by name\n".join(refs).splitlines(),
            "),",
            "",
        ]
        present = {v.variable for v in npd_spec.variables(years[0], kind)}
        absent = [
            f"{{{{ {_absent(v, legacy)} }}}}"
            for v in _all_variables(kind)
            if v.variable != "LA" and v.variable not in present
        ]
        if not _has_closure_dates(years[0]):
            absent.append("{{ closure_before_referral('cast(null as date)', 'referral_date') }}")
        fills += [
            *(["", "    union all by name", ""] if fills else []),
            f"    -- census years {_year_span(years)}: the variables they do not have",
            "    select",
            "        *,",
            *(
                f"        {item}{'' if i == len(absent) - 1 else ','}"
                for i, item in enumerate(absent)
            ),
            f"    from {cte}",
        ]
    columns = [c for c, _ in _variable_columns(kind, legacy)] + UNION_MODELS[kind][2]
    header = [
        f"-- Generated by `{COMMAND}` from the NPD spec seeds: do not edit.",
        f"-- {name}: every census year of the NPD main table in one shape, one row per raw row.",
        "-- A view: each year model is a table of only its year's variables, the LA harmonisation",
        "-- columns and the closure-before-referral flag. The years of the same variables are",
        "-- unioned first; each such group's select fills the variables it does not have with",
        "-- the `absent_*` macros' typed NULLs (flags false, macros/staging/stage_values.sql);",
        "-- the groups are unioned by name, and the last select puts every column in one order",
        "-- (tests/python/staging). Written as one table, a third of the cells were those NULLs:",
        "-- see FILLED_BY_UNION in cin_warehouse/codegen/npd_staging.py.",
        "with",
    ]
    body = [
        *ctes,
        "filled as (",
        *fills,
        ")",
        "",
        "select",
        *(f"    {c}{'' if i == len(columns) - 1 else ','}" for i, c in enumerate(columns)),
        "from filled",
    ]
    return "\n".join(header + body) + "\n"


# ---------------------------------------------------------------------------------------------
# Models YAML


def _column(name: str, description: str) -> list[str]:
    return [f"      - name: {name}", f'        description: "{description}"']


def _doc(name: str) -> str:
    return f"{{{{ doc('{name}') }}}}"


def _companions(v: npd_spec.NpdVariable, legacy: frozenset[str]) -> list[tuple[str, str]]:
    """The columns a staging macro adds beside the value (macros/staging/stage_values.sql)."""
    if v.data_type in ("text",) or (v.data_type == "code" and not _code_list(v, legacy)):
        return []
    stem = _stem(v.staging_name)
    flags = {"date": ["placeholder", "unparseable"], "code": ["recoded"]}.get(
        v.data_type, ["unparseable"]
    )
    out = [(f"{stem}_raw", f"Raw text behind `{stem}`: {_doc('staging_raw_companion')}")]
    out += [
        (f"is_{stem}_{f}", f"`{stem}` (or its flag): {_doc(f'staging_flag_{f}')}") for f in flags
    ]
    return out


# Every staged NPD row starts with its provenance and its LA (npd_provenance, npd_la_code).
LEADING_COLUMNS = [
    "census_year",
    "source_file",
    "source_line_number",
    "load_id",
    "la_code",
    "la_code_duplicate",
]


def _variable_columns(
    kind: str, legacy: frozenset[str], year: int | None = None
) -> list[tuple[str, str]]:
    """(name, description) of the variables' columns with their companions: of every variable,
    or (`year`) of those a year model of a FILLED_BY_UNION kind stages."""
    present = None if year is None else {v.variable for v in npd_spec.variables(year, kind)}
    out = [(n, _doc(n)) for n in LEADING_COLUMNS]
    for v in _all_variables(kind):
        if v.variable == "LA" or (present is not None and v.variable not in present):
            continue
        out += [(v.staging_name, _doc(v.staging_name)), *_companions(v, legacy)]
    return out


def _year_model_columns(kind: str, year: int, legacy: frozenset[str]) -> list[str]:
    if kind not in FILLED_BY_UNION:
        columns = _variable_columns(kind, legacy)
    else:
        derived = [c for c in UNION_MODELS[kind][2] if c != "is_closure_before_referral"]
        derived += ["is_closure_before_referral"] if _has_closure_dates(year) else []
        columns = _variable_columns(kind, legacy, year) + [(c, _doc(c)) for c in derived]
    return [line for name, text in columns for line in _column(name, text)]


def _introduced_order(kind: str) -> list[npd_spec.NpdVariable]:
    """Variables by the first year they are populated, then by column order."""
    years = _years_of(kind)
    return sorted(_all_variables(kind), key=lambda v: (years[v.variable][0], v.column_order))


YEAR_MODELS = {
    "main": (
        "stg_npd_year",
        "npd_cin_columns",
        "one row per raw row of CIN_{year} (child x referral x child protection plan);"
        " nothing dropped",
    ),
    "disabilities": (
        "stg_npd_disabilities_year",
        "npd_disability_columns",
        "one row per raw row of the {year} disabilities file (child x disability); nothing dropped",
    ),
}
UNION_MODELS = {
    "main": (
        "stg_npd__cin",
        "one row per raw NPD row of every census year (child x referral x plan); nothing dropped",
        ["la_code_current", "is_la_split_allocation", "is_closure_before_referral"],
    ),
    "disabilities": (
        "stg_npd__disabilities",
        "one row per raw row of every year's disabilities file (child x disability)",
        ["la_code_current", "is_la_split_allocation"],
    ),
}


def models_yaml(legacy: frozenset[str]) -> str:
    lines = [
        f"# Generated by `{COMMAND}` from the NPD spec seeds: edit those and",
        "# regenerate, do not edit by hand (tests/python/codegen fails when this file is out of",
        "# date). Column text lives in models/docs (one doc block per variable); the year models",
        "# of the same columns share one column list (YAML anchors).",
        "version: 2",
        "",
        "models:",
    ]
    for kind, (doc, anchor, grain) in YEAR_MODELS.items():
        order = _introduced_order(kind)
        anchors: dict[str, str] = {}
        for year in npd_spec.CENSUS_YEARS:
            present = {v.variable for v in npd_spec.variables(year, kind)}
            # 2008/09 has no CIN_LA, but its `la_code` is CIN_LA_09 (npd_la_code), a column.
            listed = present | ({"LA"} if kind in FILLED_BY_UNION else set())
            absent = ", ".join(f"`{v.staging_name}`" for v in order if v.variable not in listed)
            filled_by = (
                f"not columns here: the union `{UNION_MODELS[kind][0]}` fills them with typed NULLs"
                if kind in FILLED_BY_UNION
                else "typed NULLs"
            )
            have = (
                f"Variables not in this year's extract ({filled_by}): {absent}."
                if absent
                else "Every variable of the spec is in this year's extract."
            )
            lines += [
                f"  - name: {MODEL_PREFIX[kind]}{year}",
                "    description: >",
                f"      {_doc(doc)}",
                "",
                f"      Census year {year}. {have}",
                "    config:",
                *(["      materialized: table"] if kind in FILLED_BY_UNION else []),
                "      meta:",
                f'        grain: "{grain.format(year=year)}"',
                f"        census_year: {year}",
                *PRIMARY_KEY_TEST,
            ]
            # Years with the same columns share one list.
            columns = _year_model_columns(kind, year, legacy)
            key = "\n".join(columns)
            if key in anchors:
                lines.append(f"    columns: *{anchors[key]}")
            else:
                anchors[key] = anchor if not anchors else f"{anchor}_{year}"
                lines += [f"    columns: &{anchors[key]}", *columns]
    for kind, (name, grain, extra) in UNION_MODELS.items():
        lines += [
            f"  - name: {name}",
            "    description: >",
            f"      {_doc(name)}",
            "    config:",
            "      meta:",
            f'        grain: "{grain}"',
            *PRIMARY_KEY_TEST,
            "    columns:",
        ]
        for column, text in _variable_columns(kind, legacy) + [(c, _doc(c)) for c in extra]:
            lines += _column(column, text)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Variable doc blocks


MEASURED = (
    "Measured per census year (records with the variable missing, recoded or failed): the"
    " [`dq_variable_year`](#!/model/model.cin_warehouse.dq_variable_year) model, rows with"
    " `variable_name` = `{name}`."
)


def variable_docs(notes: _Notes, codes: dict[str, list[code_tables.Code]]) -> str:
    lines = [
        "{#",
        f"    Generated by `{COMMAND}` from the NPD spec seeds and",
        "    cin_warehouse/codegen/npd_notes.toml: edit those and regenerate, not this file.",
        "    One block per NPD variable in the warehouse vocabulary (the staging name), used by",
        "    every model that carries the variable. Its census years are the spans of",
        '    seeds/ref_npd_variable_years.csv (DfE\'s "years populated" list, docs/cin_census.md',
        "    §3b); the code table of a coded variable is its list in seeds/ref_codes.csv",
        "    (cin_warehouse/codegen/code_tables.py). Variables of the LA return only:",
        "    _docs_xml_variables.md.",
        "#}",
    ]
    written: set[str] = set(notes.documented_elsewhere)
    years = {kind: _years_of(kind) for kind in npd_spec.FILE_KINDS}
    # By the first year a variable is populated, main file first, then column order.
    ordered = sorted(
        (
            (years[kind][v.variable][0], k, v.column_order, v, years[kind][v.variable])
            for k, kind in enumerate(npd_spec.FILE_KINDS)
            for v in _all_variables(kind)
        ),
        key=lambda item: item[:3],
    )
    for _first, _kind, _order, v, populated in ordered:
        if v.staging_name in written:
            continue
        written.add(v.staging_name)
        element = notes.xml_element.get(v.staging_name)
        xml = f"LA return (XML): `{element}`." if element else "Not in the LA census return (XML)."
        lines += [
            "",
            f"{{% docs {v.staging_name} %}}",
            v.description,
            "",
            f"NPD: `{v.npd_column}`, census years {_year_span(populated)}. {xml}",
        ]
        if v.staging_name in notes.notes:
            lines += ["", notes.notes[v.staging_name]]
        lines += ["", MEASURED.format(name=v.staging_name)]
        code_list = code_tables.NPD_CODE_LISTS.get(v.staging_name)
        if code_list:
            lines += ["", code_tables.code_table(code_list, codes)]
        lines.append("{% enddocs %}")
    return "\n".join(lines) + "\n"


def census_years_macro() -> str:
    years = ", ".join(str(y) for y in npd_spec.CENSUS_YEARS)
    return (
        "{#\n"
        f"    Generated by `{COMMAND}` from seeds/ref_census_years.csv: do not edit.\n"
        "    The census years, for the models that union one model per year.\n"
        "#}\n"
        "{% macro census_years() -%}\n"
        f"    {{{{ return([{years}]) }}}}\n"
        "{%- endmacro %}\n"
    )


def generated_files() -> dict[Path, str]:
    """Every file this module owns, with the text it must have."""
    notes = _load_notes()
    legacy = _legacy_code_lists()
    files = {
        NPD_MODELS_DIR / f"{MODEL_PREFIX[kind]}{year}.sql": year_model_sql(
            year, kind, notes, legacy
        )
        for kind in npd_spec.FILE_KINDS
        for year in npd_spec.CENSUS_YEARS
    }
    for kind in FILLED_BY_UNION:
        files[NPD_MODELS_DIR / f"{UNION_MODELS[kind][0]}.sql"] = union_sql(kind, legacy)
    files[NPD_MODELS_YAML] = models_yaml(legacy)
    codes = code_tables.read_codes()
    unknown = sorted(
        set(code_tables.NPD_CODE_LISTS)
        - {v.staging_name for kind in npd_spec.FILE_KINDS for v in _all_variables(kind)}
    )
    if unknown:
        raise ValueError(f"code_tables.NPD_CODE_LISTS: no such NPD staging name {unknown}")
    files[VARIABLE_DOCS] = variable_docs(notes, codes)
    files[CENSUS_YEARS_MACRO] = census_years_macro()
    for path in code_tables.hand_written_docs(VARIABLE_DOCS.parent, set(files)):
        files[path] = code_tables.rewrite_regions(
            path.read_text(encoding="utf-8"), codes, str(path)
        )
    return files


def stale_files() -> list[Path]:
    """Per-year models of years that are no longer census years (to be deleted)."""
    current = set(generated_files())
    return sorted(
        path
        for prefix in MODEL_PREFIX.values()
        for path in NPD_MODELS_DIR.glob(f"{prefix}[0-9][0-9][0-9][0-9].sql")
        if path not in current
    )
