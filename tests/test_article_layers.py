"""The annotated article's layers (datasette/plugins/article.py, templates/article.html, static/layers.js),
through Datasette's in-process client: without parameters every span is shown (the page without JavaScript);
the GET form's choices (tables, kinds of entity, one entity) show exactly the spans that the CSVs say they
should; the text stays the seed's whatever is chosen; no inline script or style."""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest

from scripts.schemas import load_spec
from tests.conftest import ROOT, read_csv

pytestmark = pytest.mark.anyio
SPEC = load_spec(ROOT)
DB = f"/{SPEC.metadata['name']}"
(SOURCE,) = read_csv(ROOT / "data" / "sources.csv")[1]
ARTICLE = f"/article/{SOURCE['source_id']}"
SEED = (ROOT / SOURCE["path"]).read_bytes().decode("utf-8")
BILAWAL = "bilawal-bhutto-zardari"


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


def rows(table: str) -> list[dict]:
    return read_csv(ROOT / "data" / f"{table}.csv")[1]


def cited_rows() -> set[str]:
    """Every row with evidence, as the address its reference links to."""
    return {f"{DB}/{t.name}/{','.join(r[k] for k in t.primary_key)}" for t in SPEC.tables if t.has_evidence
            for r in rows(t.name)}


async def article(client, **params) -> tuple[str, set[str]]:
    query = urlencode(params, doseq=True)
    response = await client.get(f"{ARTICLE}?{query}" if query else ARTICLE)
    assert response.status_code == 200
    text = re.search(r'<div class="article-text">(.*?)</div>', response.text, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<sup .*?</sup>", "", text))) == SEED
    references = set(re.findall(r'<a class="c\d+" href="([^"]+)" title="[^"]*">\d+</a>', text))
    return response.text, references


async def test_without_a_choice_every_layer_is_shown(served_datasette):
    page, references = await article(served_datasette.client)
    assert references == cited_rows()
    tables = {t.name for t in SPEC.tables if t.has_evidence}
    assert set(re.findall(r'name="table" value="([a-z_]+)" checked', page)) == tables


async def test_a_table_layer_alone(served_datasette):
    page, references = await article(served_datasette.client, layers=1, table="quotes")
    assert references == {f"{DB}/quotes/{r['quote_id']}" for r in rows("quotes")}
    assert re.findall(r'name="table" value="([a-z_]+)" checked', page) == ["quotes"]
    _, nothing = await article(served_datasette.client, layers=1)
    assert nothing == set()


async def test_kinds_of_entity_filter_the_mentions(served_datasette):
    _, references = await article(served_datasette.client, layers=1, table=["mentions", "quotes"],
                                  kind=["persons", "parties"])
    assert references == ({f"{DB}/mentions/{r['mention_id']}" for r in rows("mentions") if r["person_id"] or r["party_id"]}
                          | {f"{DB}/quotes/{r['quote_id']}" for r in rows("quotes")})


async def test_show_only_one_entity(served_datasette):
    """Bilawal Bhutto-Zardari: his mentions, roles, quotes, places in delegations, the delegation he leads, the events
    he takes part in (and their participant rows of him), and the citations and source notes that point at any of
    these or at him: computed here from the CSVs."""
    everything = [t.name for t in SPEC.tables if t.has_evidence]
    kinds = ["persons", "organizations", "parties", "places", "delegations"]
    page, references = await article(served_datasette.client, layers=1, table=everything, kind=kinds,
                                      entity=f"persons:{BILAWAL}")
    his_events = {r["event_id"] for r in rows("event_participants") if r["person_id"] == BILAWAL}
    his = {("mentions", r["mention_id"]) for r in rows("mentions") if r["person_id"] == BILAWAL}
    his |= {("roles", r["role_id"]) for r in rows("roles") if r["person_id"] == BILAWAL}
    his |= {("quotes", r["quote_id"]) for r in rows("quotes") if r["speaker_person_id"] == BILAWAL}
    his |= {("events", e) for e in his_events}
    his |= {("event_participants", f"{r['event_id']},{r['participant_id']}") for r in rows("event_participants")
            if r["person_id"] == BILAWAL}
    his |= {("delegation_members", f"{r['delegation_id']},{r['person_id']}") for r in rows("delegation_members")
            if r["person_id"] == BILAWAL}
    his |= {("delegations", r["delegation_id"]) for r in rows("delegations") if r["leader_person_id"] == BILAWAL}
    pointed = his | {("persons", BILAWAL)}
    his |= {("citations", r["citation_id"]) for r in rows("citations")
            if (r["table_name"], r["row_key"].replace("/", ",")) in pointed}
    his |= {("source_notes", r["note_id"]) for r in rows("source_note_rows")
            if (r["table_name"], r["row_key"].replace("/", ",")) in pointed}
    assert ("source_notes", "trump-president-or-former-president") not in his  # a note about someone else
    assert references == {f"{DB}/{table}/{key}" for table, key in his}
    assert f'<option value="persons:{BILAWAL}" selected>' in page
    assert "those concerning <strong>Bilawal Bhutto-Zardari</strong>" in page


async def test_unknown_or_hostile_choices_are_ignored_and_escaped(served_datasette):
    page, references = await article(served_datasette.client, layers=1, table=["quotes", "<script>x</script>"],
                                      entity="<script>alert(1)</script>")
    assert references == {f"{DB}/quotes/{r['quote_id']}" for r in rows("quotes")}
    assert "<script>alert(1)</script>" not in page and "<script>x</script>" not in page


async def test_no_inline_script_or_style_and_the_script_is_served(served_datasette):
    page, _ = await article(served_datasette.client)
    def inline_scripts(text: str) -> set[str]:
        return set(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, re.S))

    # the article adds no inline script to those Datasette and its plugins put on every page
    assert inline_scripts(page) <= inline_scripts((await served_datasette.client.get(f"{DB}/sources")).text)
    assert "<style" not in page and not re.search(r"\sstyle=", page)
    script = re.search(r'<script src="([^"]*layers\.js)"', page).group(1)
    response = await served_datasette.client.get(script)
    assert response.status_code == 200 and "replaceState" in response.text
    css = await served_datasette.client.get("/assets/project.css")
    assert all(f".c{n} {{ --colour:" in css.text for n in range(16))
