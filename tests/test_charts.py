"""The README's figures: drawn from the data by scripts/charts.py, byte-for-byte reproducible, and complete."""
from __future__ import annotations

import re

import pytest

from scripts.charts import FIGURES_DIR, STATUS_STYLES, render_all
from scripts.charts import main as charts_main
from tests.conftest import ROOT, assert_runs_as_a_module, copy_package, read_csv, run_main, set_cell

FIGURES = ROOT / FIGURES_DIR


@pytest.fixture(scope="module")
def redrawn(tmp_path_factory):
    """The figures drawn afresh into a temp dir."""
    out = tmp_path_factory.mktemp("figures")
    result = run_main(charts_main, "--root", str(ROOT), "--output-dir", str(out))
    assert result.returncode == 0, result.output
    return {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.svg")}


def group(svg: str, gid: str) -> str:
    match = re.search(rf'<g id="{re.escape(gid)}">(.*?)</g>', svg, re.DOTALL)
    assert match, f"no group {gid}"
    return match.group(1)


def marker_style(svg: str, gid: str) -> str:
    """The fill and stroke of the marker drawn in a group."""
    return re.search(r'<use [^>]*style="([^"]+)"', group(svg, gid)).group(1)


def test_committed_figures_are_what_the_script_draws(redrawn):
    assert sorted(redrawn) == ["delegations.svg", "timeline.svg"]
    for name, text in redrawn.items():
        assert (FIGURES / name).read_text(encoding="utf-8") == text, f"{name}: run `make docs`"


def test_figures_carry_no_timestamp_and_are_the_same_on_every_run(redrawn):
    assert render_all(ROOT) == redrawn
    for text in redrawn.values():
        assert "<dc:date>" not in text


def test_timeline_draws_dated_events_on_the_axis_and_lists_undated_ones_apart(redrawn):
    svg = redrawn["timeline.svg"]
    _, events = read_csv(ROOT / "data" / "events.csv")
    dated = [e for e in events if e["date_start"]]
    assert dated and len(dated) < len(events)
    for event in events:
        place = "event" if event["date_start"] else "undated"
        other = "undated" if event["date_start"] else "event"
        gid = f"{place}-{event['status']}-{event['event_id']}"
        assert f'<g id="{gid}">' in svg
        assert f'<g id="{other}-{event["status"]}-{event["event_id"]}">' not in svg
    for event in dated:
        label = group(svg, f"event-{event['status']}-{event['event_id']}-label")
        assert " ".join(event["description"].split()[:4]) in label
        if event["date_end"]:
            assert f'<g id="event-{event["status"]}-{event["event_id"]}-span">' in svg


def test_each_status_has_a_marker_of_its_own(redrawn):
    svg = redrawn["timeline.svg"]
    _, events = read_csv(ROOT / "data" / "events.csv")
    looks = {}
    for event in events:
        place = "event" if event["date_start"] else "undated"
        gid = f"{place}-{event['status']}-{event['event_id']}"
        looks.setdefault(event["status"], set()).add(marker_style(svg, gid))
    assert set(looks) == set(STATUS_STYLES)
    assert looks["occurred"].isdisjoint(looks["planned"]) and looks["occurred"].isdisjoint(looks["expected"])
    assert looks["planned"].isdisjoint(looks["expected"])


def test_delegation_diagram_shows_every_member(redrawn):
    svg = redrawn["delegations.svg"]
    _, members = read_csv(ROOT / "data" / "delegation_members.csv")
    _, persons = read_csv(ROOT / "data" / "persons.csv")
    names = {p["person_id"]: p["name"] for p in persons}
    assert members
    for member in members:
        assert f'<g id="member-{member["delegation_id"]}-{member["person_id"]}">' in svg
        assert f"<!-- {names[member['person_id']]}" in svg
    _, parties = read_csv(ROOT / "data" / "parties.csv")
    member_parties = {p["party_id"] for p in persons if p["person_id"] in {m["person_id"] for m in members}}
    for party in parties:
        if party["party_id"] in member_parties:
            assert f"<!-- {party['name']} -->" in svg, party["name"]


def test_readme_shows_every_figure(redrawn):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in redrawn:
        assert f"]({FIGURES_DIR}/{name})" in readme


def test_a_data_change_makes_the_committed_figures_stale(tmp_path, capsys):
    package = copy_package(tmp_path / "p")
    (package / FIGURES_DIR).mkdir(parents=True)
    for figure in FIGURES.glob("*.svg"):
        (package / FIGURES_DIR / figure.name).write_bytes(figure.read_bytes())
    assert charts_main(["--root", str(package), "--check"]) == 0
    set_cell(package, "events", "event_id", "pahalgam-terror-attack", "description", "Terror attack in Pahalgam")
    assert charts_main(["--root", str(package), "--check"]) == 1
    stderr = capsys.readouterr().err
    assert "timeline.svg: differs" in stderr and "delegations.svg" not in stderr


def test_python_m_scripts_charts_starts():
    assert_runs_as_a_module("scripts.charts")  # the suite's one `python -m scripts.charts`
