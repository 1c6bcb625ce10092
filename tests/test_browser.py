"""A person's view of `make serve`: headless Chromium (Debian's, driven by Playwright) against the real server
entry point (python -m scripts.datasette_app, the session's live_server), reading the home page, a person's row, a
search, the annotated article and its layers (with the keyboard, with and without JavaScript), an entity page, a
place's map and the map of places (with every request outside 127.0.0.1 refused: the pages must work without
network), and saving screenshots under build/screenshots/ (`make screenshots` writes them to docs/screenshots/ for
the README)."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.schemas import load_spec
from tests.conftest import ROOT, read_csv

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "build" / "screenshots"
# `make screenshots` sets SCREENSHOTS_DIR=docs/screenshots: the README's pictures go there, the others to build/
README_SCREENSHOTS = {"article-layers", "entity", "map"}
README_DIR = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None
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
def server(live_server) -> str:
    return live_server.url


def screenshot(page, name: str, **options) -> None:
    folder = README_DIR if README_DIR is not None and name in README_SCREENSHOTS else SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=path, **options)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@contextmanager
def chromium():
    """Debian's Chromium through Playwright, for one module or one test. Not for a whole session: between its
    calls a sync Playwright marks its asyncio loop as running, which breaks every async test run after it in the
    same process (pytest-anyio, asyncio.run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Generous timeouts: a loaded 2-core machine can take long to start Chromium; nothing here is a timing.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=120_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        offline(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page


def offline(context) -> None:
    """Refuse every request that leaves 127.0.0.1 (map tiles): the pages must work without network."""
    context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())


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


def test_an_entity_page(server, page):
    person = "bilawal-bhutto-zardari"
    mentions = [m for m in read_csv(ROOT / "data" / "mentions.csv")[1] if m["person_id"] == person]
    page.goto(f"{server}/{NAME}/persons")
    page.get_by_role("link", name="Bilawal Bhutto-Zardari", exact=True).first.click()
    page.wait_for_url(re.compile(rf"/person/{person}$"))
    assert page.locator("h1").inner_text().endswith("Bilawal Bhutto-Zardari")
    marks = page.locator("#mentions a.mention mark").all_inner_texts()
    assert len(marks) == len(mentions)
    assert set(marks) == {m["evidence"] for m in mentions}
    assert page.locator("#quotes q.verbatim").count() >= 1
    screenshot(page, "entity")
    # a mention leads to its place in the article
    mention = page.locator("#mentions a.mention").nth(3)
    href = mention.get_attribute("href")
    mention.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    anchor = href.split("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").evaluate("element => element.matches(':target')")


def test_a_search(server, page):
    page.goto(f"{server}/{NAME}/quotes")
    page.locator("input[name=_search]").fill("terrorism")
    page.locator("input[name=_search]").press("Enter")
    page.wait_for_url(re.compile(r"_search=terrorism"))
    heading = page.locator("h3", has_text=re.compile(r'rows?\s+where search matches "terrorism"'))
    assert heading.is_visible()
    count = int(heading.inner_text().split()[0])
    rows = page.locator("table.rows-and-columns tbody tr").all_inner_texts()
    assert len(rows) == count > 0
    for row in rows:
        assert "terror" in row.lower()
    screenshot(page, "search")


def test_the_annotated_article(server, page):
    page.goto(f"{server}/article/{SOURCE['source_id']}")
    assert page.locator("h1").inner_text() == SOURCE["title"]
    marks = page.locator(".article-text mark")
    assert marks.count() > 100
    colours = set(marks.evaluate_all(
        "marks => marks.filter((m, i) => i % 7 === 0).map(m => getComputedStyle(m).backgroundColor)"))
    assert len(colours) >= 5 and "rgba(0, 0, 0, 0)" not in colours  # coloured, by table
    overlap = page.locator(".article-text mark.overlap").first
    assert "underline" in overlap.evaluate("m => getComputedStyle(m).textDecorationLine")
    layers = page.locator("form.layers input[name=table]")
    assert layers.count() >= 10 and all(layers.evaluate_all("boxes => boxes.map(box => box.checked)"))
    assert_the_text_is_the_seed(page)
    screenshot(page, "article")
    if README_DIR is not None:  # the whole 27,000-pixel page, for people to look at: `make screenshots` only (2 s)
        screenshot(page, "article-full", full_page=True)
    # a reference number leads to the row it supports
    reference = page.locator(".article-text sup.refs a").first
    href = reference.get_attribute("href")
    reference.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.locator("h1").inner_text().startswith(href.split("/")[-2] + ": ")


def assert_the_text_is_the_seed(page) -> None:
    """The text a reader sees is the article's, whole and in order, once the reference numbers are set aside."""
    seed = (ROOT / SOURCE["path"]).read_bytes().decode("utf-8")
    shown = page.locator(".article-text").evaluate(
        "element => { const copy = element.cloneNode(true); copy.querySelectorAll('sup').forEach(s => s.remove());"
        " return copy.textContent; }")
    assert shown == seed


def box_values(boxes) -> list[str]:
    return boxes.evaluate_all("boxes => boxes.map(box => box.getAttribute('value'))")


def visible_references(page) -> set[str]:
    # one round trip for the ~400 links (one each took seconds)
    return set(page.locator(".article-text sup.refs a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))


def test_layer_toggles_with_the_keyboard(server, page):
    page.goto(f"{server}/article/{SOURCE['source_id']}")
    everything = visible_references(page)
    assert page.locator("form.layers button.layer-apply").is_hidden()  # layers.js applies each change at once
    # Tab to the first table's checkbox, then Space on each box but the quotes' one
    boxes = page.locator("form.layers input[name=table]")
    for index, table in enumerate(box_values(boxes)):
        if table != "quotes":
            boxes.nth(index).focus()
            page.keyboard.press("Space")
            page.wait_for_function("() => !document.querySelector('#layered').classList.contains('loading')")
    page.wait_for_url(re.compile(r"layers=1"))
    quotes = {f"/{NAME}/quotes/{q['quote_id']}" for q in read_csv(ROOT / "data" / "quotes.csv")[1]}
    assert visible_references(page) == quotes
    assert page.evaluate("document.activeElement.name") == "table"  # the focus stayed on the controls
    # then only what concerns Bilawal Bhutto-Zardari, among every layer
    page.goto(f"{server}/article/{SOURCE['source_id']}")
    page.locator("#layer-entity").focus()
    page.locator("#layer-entity").select_option("persons:bilawal-bhutto-zardari")
    page.wait_for_url(re.compile(r"entity=persons%3Abilawal-bhutto-zardari"))
    page.wait_for_function("() => !document.querySelector('#layered').classList.contains('loading')")
    his = visible_references(page)
    assert f"/{NAME}/quotes/ceasefire-a-welcome-first-step" in his and his < everything
    assert "those concerning Bilawal Bhutto-Zardari" in page.locator(".layer-summary").inner_text()
    assert_the_text_is_the_seed(page)
    screenshot(page, "article-layers")


def test_layers_without_javascript(server, page):
    context = page.context.browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    offline(context)
    plain = context.new_page()
    try:
        plain.goto(f"{server}/article/{SOURCE['source_id']}")
        everything = visible_references(plain)
        assert plain.locator("form.layers button.layer-apply").is_visible()
        boxes = plain.locator("form.layers input[name=table]")
        for index, table in enumerate(box_values(boxes)):
            if table != "source_notes":
                boxes.nth(index).uncheck()
        plain.locator("form.layers button.layer-apply").click()
        plain.wait_for_url(re.compile(r"layers=1"))
        notes = {f"/{NAME}/source_notes/{n['note_id']}" for n in read_csv(ROOT / "data" / "source_notes.csv")[1]}
        assert visible_references(plain) == notes and notes < everything
    finally:
        context.close()


def test_a_place_page_and_the_map_of_places_without_network(server, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    places = {p["place_id"]: p for p in read_csv(ROOT / "data" / "places.csv")[1] if p["latitude"]}
    page.goto(f"{server}/place/washington-dc")
    page.locator("#place-map.drawn .leaflet-marker-icon").wait_for()
    assert page.locator("#place-map .leaflet-marker-icon").count() == 1
    assert "Washington" in page.locator("#events").inner_text()
    screenshot(page, "place")
    page.goto(f"{server}/{NAME}/places")
    page.locator(".leaflet-container").first.wait_for()
    # every located place is on the map (clustered markers count their places)
    page.locator(".leaflet-marker-icon").first.wait_for()
    counted = page.locator(".leaflet-marker-icon").evaluate_all(
        "icons => icons.map(i => parseInt(i.innerText || '1', 10)).reduce((a, b) => a + b, 0)")
    assert counted == len(places)
    page.locator(".leaflet-container").first.scroll_into_view_if_needed()
    screenshot(page, "map")
    page.goto(f"{server}/{NAME}/located_events")
    page.locator(".leaflet-marker-icon").first.wait_for()
    assert errors == []


# ---------------------------------------------------------------- the policy in a real browser (SECURITY.md)

def test_a_browser_runs_every_script_of_the_pages_and_reports_no_policy_violation(server, page):
    """No Content-Security-Policy violation on the home, database (SQL editor), table, row, canned query and article
    pages, and Datasette's own scripts ran (the SQL editor exists). In this module, so that the run starts one
    Chromium; the policy itself is scripts/datasette_config.py's, tested header by header in
    test_server_hardening.py."""
    violations = []
    checked = page.context.browser.new_page()
    try:
        checked.set_default_timeout(60_000)
        checked.on("console", lambda message: violations.append(message.text)
                   if "Content Security Policy" in message.text else None)
        for path in ["/", f"/{NAME}", f"/{NAME}/persons", f"/{NAME}/persons/shashi-tharoor", f"/{NAME}/who_said_what?speaker=",
                     f"/article/{SOURCE['source_id']}"]:
            checked.goto(server + path)  # returns once the page's load event fired: its scripts have run
            if path == f"/{NAME}":
                assert checked.locator(".CodeMirror").count() == 1  # the inline start-up script of the editor ran
    finally:
        checked.close()
    assert violations == []
