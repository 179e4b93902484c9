"""End-to-end: the static docs site, opened from disk in headless Chromium as a person would.

Builds the site with `dbt docs generate --static` (one self-contained HTML file), opens it
from file://, finds `fct_episode` through the search box, checks that a column's description
and the model's lineage are shown, and searches for "referral source". Screenshots of each
step are kept in target/screenshots/ (printed at the end of the run).

Driven by Playwright for Python against Debian's `chromium` (`make browser` installs it):
Playwright's own browser download is never used. Where Chromium cannot be had, the test is
skipped and says so.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.python.conftest import BuiltWarehouse
from tests.python.docs.conftest import SCREENSHOT_DIR, SCREENSHOTS

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

Screenshot = Callable[["Page", str], Path]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MODEL = "fct_episode"
# The column whose description the test looks for: the start of every episode.
COLUMN = "referral_date"
# dbt-docs shows a long description in full; the test looks for its first words.
WORDS_COMPARED = 8
# The browser window; a larger one for pictures of the measured tables (wide, long).
VIEWPORT = {"width": 1400, "height": 900}
WIDE = {"width": 1920, "height": 2700}


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip(
            "browser test skipped: Chromium is not installed and could not be installed here"
            " (`make browser` installs Debian's `chromium` with apt-get, as root)"
        )
    return path


@pytest.fixture(scope="module")
def page(docs_target: Path) -> Iterator[Page]:
    executable = _chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser test skipped: playwright is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(30_000)
        page.goto((docs_target / "static_index.html").as_uri())
        yield page
        browser.close()


@pytest.fixture(scope="module")
def manifest(docs_target: Path) -> dict:
    with open(docs_target / "manifest.json", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def screenshot(request: pytest.FixtureRequest) -> Iterator[Screenshot]:
    shutil.rmtree(SCREENSHOT_DIR, ignore_errors=True)
    SCREENSHOT_DIR.mkdir(parents=True)
    taken: list[Path] = []
    request.config.stash[SCREENSHOTS] = taken

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{len(taken) + 1:02d}_{name}.png"
        page.screenshot(path=str(path))
        taken.append(path)
        print(f"screenshot: {path}")
        return path

    yield take


def _words(markdown: str, count: int) -> str:
    """The first words of a description as the page shows them (markdown marks removed)."""
    plain = re.sub(r"[`*_#>\[\]]|\(https?://[^)]*\)", " ", markdown)
    return " ".join(plain.split()[:count])


def _model(manifest: dict, name: str) -> dict:
    return next(
        n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == name
    )


def test_site_finds_fct_episode_with_column_descriptions_and_lineage(
    page: Page, manifest: dict, screenshot: Screenshot
) -> None:
    from playwright.sync_api import expect

    node = _model(manifest, MODEL)
    search = page.get_by_placeholder("Search for models...")
    expect(search).to_be_visible()
    # The site opens on the project's overview page (models/docs/overview.md).
    overview = page.locator(".app-scroll").filter(has_text="Where to find")
    expect(overview).to_contain_text("The pathway of a case")
    screenshot(page, "site_opened")
    where_to_find = overview.locator("h2", has_text="Where to find")
    where_to_find.evaluate("heading => heading.scrollIntoView({block: 'start'})")
    expect(overview).to_contain_text("How is a CIN episode defined?")
    screenshot(page, "overview_where_to_find")

    search.fill(MODEL)
    # The result titled "fct_episode model" (analyses that use it are listed too).
    title = page.locator("h4").filter(has_text=re.compile(rf"^\s*{MODEL}\s+model\s*$"))
    result = page.locator(".search-result").filter(has=title)
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile(re.escape(f"model/{node['unique_id']}")))
    expect(page.locator(".app-title h1").first).to_contain_text(MODEL)

    # The column table: the column's name and its description from the model's yml.
    description = node["columns"][COLUMN]["description"]
    assert description.strip(), f"{MODEL}.{COLUMN} has no description in the manifest"
    name = page.locator("span.text-dark").filter(has_text=re.compile(rf"^\s*{COLUMN}\s*$"))
    row = page.locator("tr.column-row").filter(has=name)
    row.scroll_into_view_if_needed()
    row.click()  # opens the row: its full description shows beneath it
    columns = page.locator("table").filter(has=row)
    first_words = _words(description, WORDS_COMPARED)
    expect(columns).to_contain_text(first_words)
    opened = columns.locator("tr").filter(has_text=first_words).last
    opened.evaluate("row => row.scrollIntoView({block: 'center'})")
    screenshot(page, "fct_episode_columns")

    # Lineage as the page lists it: every model and source fct_episode is built from.
    parents = [
        manifest["nodes"].get(p, manifest["sources"].get(p, {})).get("name", p)
        for p in node["depends_on"]["nodes"]
    ]
    assert parents, f"{MODEL} depends on nothing in the manifest"
    heading = page.locator("h6", has_text="Depends On")
    depends_on = page.locator(".section-content").filter(has=heading)
    depends_on.scroll_into_view_if_needed()
    for parent in parents:
        expect(depends_on).to_contain_text(parent)
    screenshot(page, "fct_episode_depends_on")

    # The lineage graph, opened from the page's button, is centred on fct_episode.
    page.locator(".launcher-btn a").click()
    graph = page.locator("#cy canvas").first
    expect(graph).to_be_visible()
    # The graph's "select" field: fct_episode with its ancestors and descendants.
    include = page.locator(
        '.launcher-content input[ng-model="selectorService.selection.dirty.include"]'
    )
    expect(include).to_have_value(f"+{MODEL}+")
    page.wait_for_timeout(1_500)  # the graph's layout animates into place
    screenshot(page, "fct_episode_lineage_graph")


def test_search_for_referral_source(page: Page, manifest: dict, screenshot: Screenshot) -> None:
    from playwright.sync_api import expect

    # The models, sources and seeds with a referral source column (referral_source_code and
    # its raw text and flag) are what a researcher is looking for.
    expected = sorted(
        n["name"]
        for n in [*manifest["nodes"].values(), *manifest["sources"].values()]
        if n["resource_type"] in ("model", "source", "seed")
        and any("referral_source" in column for column in n["columns"])
    )
    assert expected, "nothing in the manifest has a referral source column"
    page.goto(page.url.split("#")[0])  # the site afresh, as opened from disk
    search = page.get_by_placeholder("Search for models...")
    search.fill("referral source")
    panel = page.locator(".app-scroll").filter(has_text="search results")
    expect(panel).to_contain_text("referral source")
    results = panel.locator(".search-result")
    expect(results.first).to_be_visible()
    titles = [title.split()[0] for title in results.locator("h4").all_inner_texts()]
    found = [name for name in expected if name in titles]
    assert found, f"searching 'referral source' lists none of {expected}: it lists {titles}"
    # The matching columns are named under each result.
    first = results.filter(has=page.locator("h4", has_text=found[0])).first
    expect(first).to_contain_text("referral_source_code")
    screenshot(page, "search_referral_source")


# --- A newcomer's first questions, answered from the static site alone -----------------
# Each test reads the answer off the rendered pages, as a person would, and checks it
# against a value computed independently: from the test world's raw files and the
# repository's seed files, or straight from the warehouse's episode fact.

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
NPD_MISSING_TABLE = "NPD research extract: % missing, by census year"
YEAR_ASKED = 2015


def _open_from_overview(page: Page, link: str) -> None:
    """Open the site afresh and follow the overview's link to `link` (a model name)."""
    from playwright.sync_api import expect

    page.goto(page.url.split("#")[0])
    overview = page.locator(".app-scroll").filter(has_text="Where to find")
    overview.locator(f"a[href$='model.cin_warehouse.{link}']").first.click()
    expect(page.locator(".app-title h1").first).to_contain_text(link)


def _table_after(page: Page, heading: str) -> Locator:
    """The first table after the heading with this text in the page's description."""
    title = page.locator("h4").filter(has_text=heading).first
    title.scroll_into_view_if_needed()
    return title.locator("xpath=following::table[1]")


def _shown_whole(page: Page, screenshot: Screenshot, heading: Locator, name: str) -> None:
    """Screenshot a measured table from its heading down, in a window large enough for
    the table's width and its first rows (a person would scroll; a picture cannot)."""
    page.set_viewport_size(WIDE)
    # heading at the top, then back by the height of the page's fixed title bar
    heading.evaluate(
        """h => {
            h.scrollIntoView({block: 'start'});
            let box = h.parentElement;
            while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
            if (box) box.scrollTop -= 180;
        }"""
    )
    page.wait_for_timeout(300)
    screenshot(page, name)
    page.set_viewport_size(VIEWPORT)


def _cell(table: Locator, row_text: str, column: str) -> str:
    """The text of the cell in the row holding `row_text`, under the header `column`."""
    # text content, not inner text: the site's style upper-cases table headers
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
    row = table.locator("tbody tr").filter(has_text=row_text).first
    return (row.locator("td").nth(headers.index(column)).text_content() or "").strip()


def _referral_source_codes() -> dict[str, tuple[str, int, int]]:
    with open(SEEDS / "ref_codes.csv", encoding="utf-8", newline="") as handle:
        return {
            row["code"]: (row["label"], int(row["first_census_year"]), int(row["last_census_year"]))
            for row in csv.DictReader(handle)
            if row["code_list"] == "referral_source"
        }


def _referral_source_years() -> list[int]:
    """The census years of ReferralSource's spans in the availability seed (an empty
    last_year: still collected, to the last census year of ref_census_years)."""
    with open(SEEDS / "ref_census_years.csv", encoding="utf-8", newline="") as handle:
        census_years = [int(row["census_year"]) for row in csv.DictReader(handle)]
    with open(SEEDS / "ref_npd_variable_years.csv", encoding="utf-8", newline="") as handle:
        spans = [
            (int(row["first_year"]), int(row["last_year"] or max(census_years)))
            for row in csv.DictReader(handle)
            if row["file_kind"] == "main" and row["variable"] == "ReferralSource"
        ]
    return sorted(year for year in census_years for first, last in spans if first <= year <= last)


def _raw_share_missing(world_dir: Path, year: int) -> float:
    """% of the year's raw NPD rows whose referral source is blank or no current code (a
    value staging cannot map, like PR, is missing too), from the CSV as delivered."""
    valid = set(_referral_source_codes()) - _legacy_referral_source_values()
    with open(world_dir / "npd" / f"CIN_{year}.csv", encoding="utf-8", newline="") as handle:
        values = [row["CIN_ReferralSource"].strip().upper() for row in csv.DictReader(handle)]
    missing = sum(1 for value in values if value not in valid)
    return 100 * missing / len(values)


def _legacy_referral_source_values() -> set[str]:
    with open(SEEDS / "ref_codes.csv", encoding="utf-8", newline="") as handle:
        return {
            row["code"]
            for row in csv.DictReader(handle)
            if row["code_list"] == "referral_source"
            and row["is_legacy"] == "true"
            and not row["maps_to_code"]
        }


def test_newcomer_referral_source_years_codes_and_missing_in_2015(
    page: Page, warehouse: BuiltWarehouse, screenshot: Screenshot
) -> None:
    from playwright.sync_api import expect

    years = _referral_source_years()
    # In which census years is it available? The column's description, on the 2015 model
    # the overview links to.
    _open_from_overview(page, f"stg_npd__cin_{YEAR_ASKED}")
    name = page.locator("span.text-dark").filter(
        has_text=re.compile(r"^\s*referral_source_code\s*$")
    )
    row = page.locator("tr.column-row").filter(has=name)
    row.scroll_into_view_if_needed()
    row.click()
    columns = page.locator("table").filter(has=row)
    expect(columns).to_contain_text(f"census years {years[0]}-{years[-1]}")
    columns.locator("tr").filter(has_text="CIN_ReferralSource").last.evaluate(
        "row => row.scrollIntoView({block: 'center'})"
    )
    screenshot(page, "q1_referral_source_years")

    # How much is missing in 2015, and what are its codes? The measured page.
    _open_from_overview(page, "dq_variable_year")
    table = _table_after(page, NPD_MISSING_TABLE)
    expect(table).to_be_visible()
    shown = _cell(table, "referral_source_code", str(YEAR_ASKED))
    expected = _raw_share_missing(warehouse.world_dir, YEAR_ASKED)
    assert float(shown) == pytest.approx(expected, abs=0.05), (shown, expected)
    # Years outside DfE's list show as not in the extract.
    assert _cell(table, "referral_source_code", str(years[0] - 1)) == "–"
    print(f"site: referral source missing in {YEAR_ASKED}: {shown}% (raw files: {expected:.2f}%)")
    # the table's header row and the referral_source_code row in one picture
    heading = page.locator("h4").filter(has_text=NPD_MISSING_TABLE).first
    _shown_whole(page, screenshot, heading, "q1_referral_source_missing_by_year")

    codes_heading = page.locator("p").filter(has_text="referral_source (").first
    codes_heading.scroll_into_view_if_needed()
    codes = codes_heading.locator("xpath=following::table[1]")
    for code, (label, first, last) in _referral_source_codes().items():
        code_cell = page.locator("td:first-child", has_text=re.compile(rf"^\s*{code}\s*$"))
        code_row = codes.locator("tbody tr").filter(has=code_cell)
        expect(code_row).to_have_count(1)
        expect(code_row).to_contain_text(label)
        expect(code_row).to_contain_text(f"{first}-{last}")
    _shown_whole(page, screenshot, codes_heading, "q1_referral_source_codes")


def test_newcomer_closure_date_is_inferred_meaning_and_frequency(
    page: Page, manifest: dict, warehouse: BuiltWarehouse, screenshot: Screenshot
) -> None:
    from playwright.sync_api import expect

    # What it means: the column's description on fct_episode.
    page.goto(page.url.split("#")[0] + f"#!/model/{_model(manifest, MODEL)['unique_id']}")
    column = "closure_date_is_inferred"
    name = page.locator("span.text-dark").filter(has_text=re.compile(rf"^\s*{column}\s*$"))
    row = page.locator("tr.column-row").filter(has=name)
    row.scroll_into_view_if_needed()
    row.click()
    meaning = _words(_model(manifest, MODEL)["columns"][column]["description"], WORDS_COMPARED)
    columns = page.locator("table").filter(has=row)
    expect(columns).to_contain_text(meaning)
    columns.locator("tr").filter(has_text=meaning).last.evaluate(
        "row => row.scrollIntoView({block: 'center'})"
    )
    screenshot(page, "q2_closure_date_is_inferred_meaning")

    # How often it is true: the measured table on dq_la_year, against fct_episode itself.
    _open_from_overview(page, "dq_la_year")
    table = _table_after(page, "How often is")
    expect(table).to_be_visible()
    truth = dict(
        (source, (episodes, inferred))
        for source, episodes, inferred in warehouse.con.execute(
            "select source_kind, count(*), count(*) filter (where closure_date_is_inferred)"
            " from marts.fct_episode group by source_kind"
        ).fetchall()
    )
    labels = {"npd": "NPD research extract", "xml": "LA census returns (XML)"}
    for source, (episodes, inferred) in truth.items():
        assert _cell(table, labels[source], "episodes").replace(",", "") == str(episodes)
        true_count = _cell(table, labels[source], "closure_date_is_inferred true")
        assert true_count.replace(",", "") == str(inferred)
        assert float(_cell(table, labels[source], "%")) == pytest.approx(
            100 * inferred / episodes, abs=0.05
        )
        print(f"site: closure_date_is_inferred true for {inferred} of {episodes} {source} episodes")
    table.evaluate("t => t.scrollIntoView({block: 'center'})")
    screenshot(page, "q2_closure_date_is_inferred_how_often")
    by_year = page.locator("h4").filter(has_text="By source and census year").first
    _shown_whole(page, screenshot, by_year, "q2_dq_la_year_by_census_year")


def test_newcomer_how_a_cin_episode_is_defined(
    page: Page, manifest: dict, screenshot: Screenshot
) -> None:
    from playwright.sync_api import expect

    page.goto(page.url.split("#")[0])
    overview = page.locator(".app-scroll").filter(has_text="Where to find")
    item = overview.locator("li").filter(has_text="How is a CIN episode defined?").first
    item.scroll_into_view_if_needed()
    # The definition DfE's methodology gives (docs/cin_census.md §7): a referral, less
    # those with no further action and those closed RC8 after an assessment only.
    for words in ("One referral of one child", "no further action", "RC8"):
        expect(item).to_contain_text(words)
    item.evaluate("li => li.scrollIntoView({block: 'center'})")
    screenshot(page, "q3_cin_episode_definition_overview")

    # The flag on fct_episode says the same, in the column's own description.
    flag = manifest["docs"]["doc.cin_warehouse.is_cin_episode"]["block_contents"]
    # its words after the citation: "a referral that is neither NFA ..."
    definition = " ".join(flag.split(":", 1)[-1].split()[:WORDS_COMPARED])
    page.goto(page.url.split("#")[0] + f"#!/model/{_model(manifest, MODEL)['unique_id']}")
    name = page.locator("span.text-dark").filter(has_text=re.compile(r"^\s*is_cin_episode\s*$"))
    row = page.locator("tr.column-row").filter(has=name)
    row.scroll_into_view_if_needed()
    row.click()
    columns = page.locator("table").filter(has=row)
    expect(columns).to_contain_text(definition)
    columns.locator("tr").filter(has_text=definition).last.evaluate(
        "row => row.scrollIntoView({block: 'center'})"
    )
    screenshot(page, "q3_is_cin_episode_column")
