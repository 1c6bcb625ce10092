"""The rule 'no cell names a file or document outside the package' (scripts/check/rules.py,
cells_name_nothing_outside_the_package), on broken copies of the real package: what it reports, what it leaves
alone (the package's own files, the seed's own words), and that a hostile cell stays cheap."""
from __future__ import annotations

import pytest

from tests.check_helpers import check_in_process, problems_by_layer
from tests.conftest import set_cell

EVENT = "bilawal-calls-for-isi-raw-cooperation"
NOTE = "Coded as an appeal for intelligence cooperation."


def rule_problems(package, capsys) -> list[str]:
    code, out, _ = check_in_process(package, capsys)
    return [p for p in problems_by_layer(out).get("e", []) if "outside the package" in p]


@pytest.mark.parametrize("note, kind, shown", [
    (f"{NOTE} PLOVER has no category for appeals (GUIDE §4).", "a document", "GUIDE §4"),
    (f"{NOTE} See § 4 of the guide.", "a section of a document", "§"),
    (f"{NOTE} See https://example.org/plover.pdf for the codes.", "a URL", "https://example.org/plover.pdf"),
    (f"{NOTE} As in www.example.org.", "a URL", "www.example.org"),
    (f"{NOTE} See notes/coding.md.", "a file", "notes/coding.md"),
    (f"{NOTE} Per the README.", "a document", "README"),
    (f"{NOTE} The curators' table (appeals.xlsx) says so.", "a file", "appeals.xlsx"),
])
def test_a_note_pointing_outside_is_reported(package, capsys, note, kind, shown):
    line = set_cell(package, "events", "event_id", EVENT, "note", note)
    assert rule_problems(package, capsys) == [
        f"data/events.csv:{line}: [events.note] outside-reference: names {kind} outside the package ({shown!r}): nothing published may "
        "point outside it; say what is meant in the row's own words"]


@pytest.mark.parametrize("note", [
    f"{NOTE} The evidence is in data/quotes.csv and its schema in schemas/quotes.schema.json.",
    f"{NOTE} The seed is seeds/000_905ae90385d1da76.txt.",
    f"{NOTE} The guide of the U.S. delegation, e.g. at 10.30 a.m., in section 4.",
    f"{NOTE} Dated 2025-05-08/2025-05-10 (EDTF), coded 0214.",
])
def test_the_package_s_own_files_and_plain_words_pass(package, capsys, note):
    set_cell(package, "events", "event_id", EVENT, "note", note)
    assert rule_problems(package, capsys) == []


def test_words_of_the_seed_are_the_article_s_not_a_pointer(package, capsys):
    # 'ISI-RAW' is in the seed; so is the headline with 'US face-Off'. A made-up seed word that looks like a file
    # would pass the same way; here the seed's own 'Dawn newspaper' shows that quoted words are left alone.
    set_cell(package, "events", "event_id", EVENT, "note", f"{NOTE} Reported by the Dawn newspaper.")
    assert rule_problems(package, capsys) == []


def test_a_hostile_cell_stays_linear(package, capsys):
    """200,000 look-alike words in one cell: one problem (the rule tries at most 20 seed look-ups per cell;
    scripts/bench.py is where time is measured)."""
    set_cell(package, "events", "event_id", EVENT, "note", " ".join(["x.y"] * 100_000 + ["GUIDE"] * 100_000))
    problems = rule_problems(package, capsys)
    assert len(problems) == 1 and "('GUIDE')" in problems[0]
