"""The measured data quality on the docs site: doc blocks written from the built warehouse.

dbt docs renders descriptions, not query results. So the figures of the data-quality marts
(`marts.dq_variable_year`, `marts.dq_la_year`) are written as markdown into two doc blocks,
`dq_measured_variable_year` and `dq_measured_la_year`, which the two marts' descriptions
include. Where they are written decides what the site shows, without touching the
committed tree:

- `cin docs-measured` writes them from a built warehouse to `target/measured_docs/`
  (dbt's target folder, never committed), and `dbt docs generate` reads that folder when
  `CIN_MEASURED_DOCS=target/measured_docs` is set (dbt_project.yml, `docs-paths`); `make
  demo` does both, so the site shows the figures of the warehouse it was built from (a
  user's own extracts included), never those of another build.
- Otherwise dbt reads the committed placeholder `models/docs_measured_placeholder/`,
  written by this module too (`placeholder()`; a test fails when the committed file
  differs), whose blocks say how to fill them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb

from cin_warehouse import access

BLOCKS = ("dq_measured_variable_year", "dq_measured_la_year")
FILE_NAME = "_docs_measured.md"
# The committed placeholder, read by dbt unless CIN_MEASURED_DOCS points elsewhere.
PLACEHOLDER_DIR = Path("models/docs_measured_placeholder")
# Where `cin docs-measured` writes by default (inside dbt's target folder).
DEFAULT_OUT = Path("target/measured_docs")
ENV = "CIN_MEASURED_DOCS"
HEADER = """{#
    Written by `%s`
    (cin_warehouse/measured_docs.py): do not edit.
    %s
#}
"""
SOURCES = {"npd": "NPD research extract", "xml": "LA census returns (XML)"}
NOT_IN_EXTRACT = "–"


class MeasuredDocsError(Exception):
    """The warehouse cannot be measured (one line a user can act on)."""


def _block(name: str, body: str) -> str:
    return f"{{% docs {name} %}}\n{body.strip()}\n{{% enddocs %}}\n"


def placeholder() -> str:
    """The committed placeholder file: the same blocks, saying how to fill them."""
    body = (
        "**Measured figures are not on this site**: it was built without them. They are"
        " written from the built warehouse by `make demo`, or by hand:"
        " `cin docs-measured --db warehouse/cin.duckdb`, then"
        " `CIN_MEASURED_DOCS=target/measured_docs dbt docs generate --static`."
        " Until then, query the model itself."
    )
    header = HEADER % (
        "python -m cin_warehouse.measured_docs --placeholder",
        "The placeholder dbt reads unless CIN_MEASURED_DOCS names the folder of the\n"
        "    measured blocks (dbt_project.yml, docs-paths; README, 'The docs site').",
    )
    return header + "\n".join(_block(name, body) for name in BLOCKS)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "·"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    # a | inside a cell would end it
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _code_list(variable: str, code_lists: set[str]) -> str | None:
    """The ref_codes code list of a staged variable: its name without `_code` (and without
    `initial_`/`latest_`), as staging names them (macros/staging/stage_values.sql)."""
    stem = variable.removesuffix("_code")
    for candidate in (variable, stem, stem.removeprefix("initial_").removeprefix("latest_")):
        if candidate in code_lists:
            return candidate
    return None


def variable_year_block(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        """
        select source_kind, staging_model, variable_name, census_year,
               is_in_extract, records, records_missing, records_recoded + records_failed
        from marts.dq_variable_year
        order by source_kind, staging_model, variable_name, census_year
        """
    ).fetchall()
    codes = con.execute(
        """
        select code_list, code, label, first_census_year, last_census_year, is_legacy,
               maps_to_code
        from reference.ref_codes
        order by code_list, is_legacy, first_census_year, code
        """
    ).fetchall()
    if not rows:
        raise MeasuredDocsError("marts.dq_variable_year is empty: land data and run dbt build")
    parts = [
        "### Measured on the warehouse this site was built from",
        "Per staged variable and census year: the **% of records missing** the value, and the"
        " **% recoded or failed** by staging (a legacy code mapped, text that could not be"
        f" typed). `{NOT_IN_EXTRACT}`: not in that year's NPD extract (DfE's years populated);"
        " `·`: no records of the model that year. Records are staged rows as delivered.",
    ]
    code_lists = {row[0] for row in codes}
    coded: dict[str, set[str]] = defaultdict(set)
    for source in sorted({row[0] for row in rows}):
        mine = [row for row in rows if row[0] == source]
        years = sorted({row[3] for row in mine})
        cells: dict[str, dict[str, dict[int, tuple[str, str]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for _, model, variable, year, in_extract, records, missing, changed in mine:
            if not in_extract:
                cells[model][variable][year] = (NOT_IN_EXTRACT, NOT_IN_EXTRACT)
            else:
                cells[model][variable][year] = (
                    _percent(missing, records),
                    _percent(changed, records),
                )
            code_list = _code_list(variable, code_lists)
            if code_list:
                coded[code_list].add(f"`{variable}`")
        for index, title in ((0, "% missing"), (1, "% recoded or failed")):
            parts.append(f"#### {SOURCES.get(source, source)}: {title}, by census year")
            # one table per staging model: a variable name is unique within its model
            for model in sorted(cells):
                parts.append(f"##### {model}")
                table_rows = [
                    [
                        f"`{variable}`",
                        *(cells[model][variable].get(year, ("·", "·"))[index] for year in years),
                    ]
                    for variable in sorted(cells[model])
                ]
                parts.append(_table(["variable", *map(str, years)], table_rows))
    parts.append("#### Codes of the coded variables (seed ref_codes, as loaded in this warehouse)")
    for code_list in sorted(coded):
        parts.append(f"**{code_list}** ({', '.join(sorted(coded[code_list]))}):")
        table_rows = [
            [
                f"`{code}`",
                label + (f" (legacy: staged as `{maps_to}`)" if legacy and maps_to else ""),
                f"{first}-{last}",
            ]
            for name, code, label, first, last, legacy, maps_to in codes
            if name == code_list
        ]
        parts.append(_table(["code", "meaning", "valid census years"], table_rows))
    return _block("dq_measured_variable_year", "\n\n".join(parts))


def la_year_block(con: duckdb.DuckDBPyConnection) -> str:
    years = con.execute(
        """
        select source_kind, census_year,
               count_if(has_return) as las_returning,
               count_if(is_la_expected and not has_return) as las_not_submitting,
               sum(children), sum(children_without_identifier),
               sum(episode_records), sum(overlapping_episode_records),
               sum(staged_records), sum(records_with_recoded_value),
               sum(records_with_failed_value),
               sum(episodes_closed), sum(episodes_closed_without_closure_date),
               sum(episodes_first_returned), sum(episodes_referral_date_amended)
        from marts.dq_la_year
        group by source_kind, census_year
        order by source_kind, census_year
        """
    ).fetchall()
    if not years:
        raise MeasuredDocsError("marts.dq_la_year is empty: land data and run dbt build")
    parts = [
        "### Measured on the warehouse this site was built from",
        "#### How often is `closure_date_is_inferred` true?",
        "Share of the rebuilt episodes (`fct_episode`) whose closure date no return wrote and"
        " the warehouse inferred:",
    ]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in years:
        totals[row[0]][0] += row[12]
        totals[row[0]][1] += row[13]
    parts.append(
        _table(
            ["source", "episodes", "closure_date_is_inferred true", "%"],
            [
                [SOURCES.get(s, s), f"{n:,}", f"{inferred:,}", _percent(inferred, n)]
                for s, (inferred, n) in sorted(totals.items())
            ],
        )
    )
    parts.append(
        "#### By source and census year (BMJ Open 2019's data-quality figures)\n"
        "LAs: returning / expected but not submitting. Children: LAchildIDs of the returns;"
        " % without PMR (NPD) or UPN (XML). Episode records and % overlapping another of the"
        " child's records in the same return. % of staged records with a recoded / failed"
        " value. Closed episodes (rebuilt, year of last return) and % without a closure date"
        " (inferred). % of episodes (year of first return) whose referral date was amended."
    )
    parts.append(
        _table(
            [
                "source",
                "census year",
                "LAs",
                "not submitting",
                "children",
                "% no identifier",
                "episode records",
                "% overlapping",
                "% recoded",
                "% failed",
                "closed episodes",
                "% closure date missing",
                "% referral date amended",
            ],
            [
                [
                    source,
                    str(year),
                    str(returning),
                    str(missing),
                    f"{children:,}",
                    _percent(no_id, children),
                    f"{records:,}",
                    _percent(overlapping, records),
                    _percent(recoded, staged),
                    _percent(failed, staged),
                    f"{closed:,}",
                    _percent(inferred, closed),
                    _percent(amended, first),
                ]
                for (
                    source,
                    year,
                    returning,
                    missing,
                    children,
                    no_id,
                    records,
                    overlapping,
                    staged,
                    recoded,
                    failed,
                    closed,
                    inferred,
                    first,
                    amended,
                ) in years
            ],
        )
    )
    return _block("dq_measured_la_year", "\n\n".join(parts))


def render(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The measured blocks of the warehouse open on `con` (`name`: its file name)."""
    try:
        blocks = [variable_year_block(con), la_year_block(con)]
    except duckdb.CatalogException as error:
        raise MeasuredDocsError(
            f"{name}: the data-quality marts are not built ({str(error).splitlines()[0]}):"
            " run dbt build"
        ) from None
    header = HEADER % (
        f"cin docs-measured --db {name}",
        f"Measured on {name}; read by dbt when {ENV} names this folder.",
    )
    return header + "\n".join(blocks)


def measured(db: Path) -> str:
    """The measured blocks of the warehouse file `db`, opened read-only."""
    try:
        con = access.connect(db)
    except access.AccessError as error:
        raise MeasuredDocsError(f"{error}; run `make demo` or dbt build") from None
    with con:
        return render(con, db.name)


def write(db: Path, out_dir: Path = DEFAULT_OUT) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    path.write_text(measured(db), encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--placeholder"]:
        sys.exit("usage: python -m cin_warehouse.measured_docs --placeholder")
    PLACEHOLDER_DIR.mkdir(parents=True, exist_ok=True)
    (PLACEHOLDER_DIR / FILE_NAME).write_text(placeholder(), encoding="utf-8")
