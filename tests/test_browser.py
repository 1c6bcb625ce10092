"""A person's view of `make serve`: headless Chromium (Debian's, driven by Playwright) against the real server
entry point (python -m scripts.datasette_app), reading the home page, a person, a search and the annotated
article as they are drawn, and saving screenshots under build/screenshots/."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from scripts.build_sqlite import build_database
from scripts.schemas import load_spec
from tests.conftest import ROOT, read_csv
from tests.test_datasette import running_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "build" / "screenshots"
SPEC = load_spec(ROOT)
NAME = SPEC.metadata["name"]
SOURCE = read_csv(ROOT / "data" / "sources.csv")[1][0]

# .ci/run sets REQUIRE_BROWSER_TEST=1 once Chromium is installed: then this test may not be skipped.
if not CHROMIUM.is_file() and os.environ.get("REQUIRE_BROWSER_TEST") == "1":
    raise RuntimeError(f"REQUIRE_BROWSER_TEST=1 but there is no Chromium at {CHROMIUM}")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium), as .ci/run does")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_database(ROOT, tmp_path_factory.mktemp("browser") / f"{NAME}.db")
    with running_server(db) as port:
        yield f"http://127.0.0.1:{port}"


def screenshot(page, name: str, **options) -> None:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, **options)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # Generous timeouts: a loaded 2-core machine can take long to start Chromium; nothing here is a timing.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=120_000)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def test_home_page(server, page):
    page.goto(server + "/")
    assert page.locator("h1").first.inner_text() == SPEC.metadata["title"]
    link = page.get_by_role("link", name=SOURCE["title"]).first
    assert link.is_visible() and link.get_attribute("href") == f"/article/{SOURCE['source_id']}"
    assert page.get_by_text("Read the annotated article").is_visible()
    assert page.get_by_role("link", name="CC-BY-4.0").first.is_visible()
    screenshot(page, "home")


def test_a_persons_page_and_one_click_to_the_words_that_support_it(server, page):
    person = next(p for p in read_csv(ROOT / "data" / "persons.csv")[1] if p["person_id"] == "shashi-tharoor")
    page.goto(f"{server}/{NAME}/persons/{person['person_id']}")
    assert page.locator("h1").inner_text() == f"persons: {person['person_id']}"
    assert page.locator("td.col-name").inner_text() == person["name"]
    assert page.get_by_text("Links from other tables").is_visible()
    screenshot(page, "person")
    # persons are corpus-level (no evidence of their own): a fact about him, his role, links to its words
    role = next(r for r in read_csv(ROOT / "data" / "roles.csv")[1] if r["person_id"] == person["person_id"])
    page.goto(f"{server}/{NAME}/roles/{role['role_id']}")
    page.locator("a.evidence-link").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    anchor = f"span-{role['evidence_start']}-{role['evidence_end']}"
    assert page.url.endswith(f"/article/{SOURCE['source_id']}#{anchor}")
    target = page.locator(f"[id='{anchor}']")
    assert target.is_visible() and target.evaluate("element => element.matches(':target')")
    box = target.bounding_box()
    assert box and 0 <= box["y"] <= 900  # scrolled into view


def test_a_search(server, page):
    page.goto(f"{server}/{NAME}/quotes")
    page.locator("input[name=_search]").fill("terrorism")
    page.locator("input[name=_search]").press("Enter")
    page.wait_for_url(re.compile(r"_search=terrorism"))
    heading = page.locator("h3", has_text=re.compile(r'rows?\s+where search matches "terrorism"'))
    assert heading.is_visible()
    count = int(heading.inner_text().split()[0])
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == count > 0
    for index in range(count):
        assert "terror" in rows.nth(index).inner_text().lower()
    screenshot(page, "search")


def test_the_annotated_article(server, page):
    page.goto(f"{server}/article/{SOURCE['source_id']}")
    assert page.locator("h1").inner_text() == SOURCE["title"]
    marks = page.locator(".article-text mark")
    assert marks.count() > 100
    colours = {marks.nth(i).evaluate("m => getComputedStyle(m).backgroundColor") for i in range(0, marks.count(), 7)}
    assert len(colours) >= 5 and "rgba(0, 0, 0, 0)" not in colours  # coloured, by table
    overlap = page.locator(".article-text mark.overlap").first
    assert "underline" in overlap.evaluate("m => getComputedStyle(m).textDecorationLine")
    assert page.get_by_role("heading", name="Legend").is_visible()
    legend = page.locator(".legend li")
    assert legend.count() >= 10
    # the text a reader sees is the article's, whole and in order, once the reference numbers are set aside
    seed = (ROOT / SOURCE["path"]).read_bytes().decode("utf-8")
    shown = page.locator(".article-text").evaluate(
        "element => { const copy = element.cloneNode(true); copy.querySelectorAll('sup').forEach(s => s.remove());"
        " return copy.textContent; }")
    assert shown == seed
    screenshot(page, "article")
    screenshot(page, "article-full", full_page=True)
    # a reference number leads to the row it supports
    reference = page.locator(".article-text sup.refs a").first
    href = reference.get_attribute("href")
    reference.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.locator("h1").inner_text().startswith(href.split("/")[-2] + ": ")
