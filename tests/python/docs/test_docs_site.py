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

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.python.docs.conftest import SCREENSHOT_DIR, SCREENSHOTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

Screenshot = Callable[["Page", str], Path]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MODEL = "fct_episode"
# The column whose description the test looks for: the start of every episode.
COLUMN = "referral_date"
# dbt-docs shows a long description in full; the test looks for its first words.
WORDS_COMPARED = 8


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
        page = browser.new_page(viewport={"width": 1400, "height": 900})
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
