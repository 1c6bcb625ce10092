"""The rule 'no cell names a file or document outside the package' (scripts/check/rules.py,
cells_name_nothing_outside_the_package), on broken copies of the real package: what it reports, what it leaves
alone (the package's own files, the seed's own words), and that a hostile cell stays cheap. Every case is a row of
one broken copy, checked once."""
from __future__ import annotations

import pytest

from tests.check_helpers import check_captured, problems_by_layer
from tests.conftest import copy_package, line_of, read_csv, write_csv

EVENT = "bilawal-calls-for-isi-raw-cooperation"
NOTE = "Coded as an appeal for intelligence cooperation."
POINTING_OUTSIDE = [
    (f"{NOTE} PLOVER has no category for appeals (GUIDE §4).", "a document", "GUIDE §4"),
    (f"{NOTE} See § 4 of the guide.", "a section of a document", "§"),
    (f"{NOTE} See https://example.org/plover.pdf for the codes.", "a URL", "https://example.org/plover.pdf"),
    (f"{NOTE} As in www.example.org.", "a URL", "www.example.org"),
    (f"{NOTE} See notes/coding.md.", "a file", "notes/coding.md"),
    (f"{NOTE} Per the README.", "a document", "README"),
    (f"{NOTE} The curators' table (appeals.xlsx) says so.", "a file", "appeals.xlsx"),
]
OWN_FILES_AND_PLAIN_WORDS = [
    f"{NOTE} The evidence is in data/quotes.csv and its schema in schemas/quotes.schema.json.",
    f"{NOTE} The seed is seeds/000_905ae90385d1da76.txt.",
    f"{NOTE} The guide of the U.S. delegation, e.g. at 10.30 a.m., in section 4.",
    f"{NOTE} Dated 2025-05-08/2025-05-10 (EDTF), coded 0214.",
]
# 'ISI-RAW' is in the seed; so is the headline with 'US face-Off'. A made-up seed word that looks like a file
# would pass the same way; here the seed's own 'Dawn newspaper' shows that quoted words are left alone.
SEED_WORDS = f"{NOTE} Reported by the Dawn newspaper."
HOSTILE = " ".join(["x.y"] * 100_000 + ["GUIDE"] * 100_000)


@pytest.fixture(scope="module")
def checked_notes(tmp_path_factory) -> tuple[dict[str, int], list[str]]:
    """One broken copy for every test here, checked once: each test's note in an event row of its own (the rule
    judges each cell alone, against the row's seed: all events have the same). Returns (note -> its row's line,
    the rule's problems)."""
    notes = [note for note, _, _ in POINTING_OUTSIDE] + OWN_FILES_AND_PLAIN_WORDS + [SEED_WORDS, HOSTILE]
    package = copy_package(tmp_path_factory.mktemp("outside-references") / "package")
    path = package / "data" / "events.csv"
    header, rows = read_csv(path)
    events = [EVENT] + [row["event_id"] for row in rows if row["event_id"] != EVENT]
    assert len(events) >= len(notes), "fewer events than notes to test"
    note_of = dict(zip(events, notes))
    for row in rows:
        row["note"] = note_of.get(row["event_id"], row["note"])
    write_csv(path, header, rows)
    _, out, _ = check_captured(package)
    return ({note: line_of(path, "event_id", event) for event, note in note_of.items()},
            [p for p in problems_by_layer(out).get("e", []) if "outside the package" in p])


def rule_problems(checked_notes, note: str) -> tuple[int, list[str]]:
    """The line of the row holding note, and the rule's problems on it (none may be on a row no test edited)."""
    lines, problems = checked_notes
    on_edited_rows = tuple(f"data/events.csv:{line}: " for line in lines.values())
    assert [p for p in problems if not p.startswith(on_edited_rows)] == []
    return lines[note], [p for p in problems if p.startswith(f"data/events.csv:{lines[note]}: ")]


@pytest.mark.parametrize("note, kind, shown", POINTING_OUTSIDE)
def test_a_note_pointing_outside_is_reported(checked_notes, note, kind, shown):
    line, problems = rule_problems(checked_notes, note)
    assert problems == [
        f"data/events.csv:{line}: [events.note] outside-reference: names {kind} outside the package ({shown!r}): nothing published may "
        "point outside it; say what is meant in the row's own words"]


@pytest.mark.parametrize("note", OWN_FILES_AND_PLAIN_WORDS)
def test_the_package_s_own_files_and_plain_words_pass(checked_notes, note):
    assert rule_problems(checked_notes, note)[1] == []


def test_words_of_the_seed_are_the_article_s_not_a_pointer(checked_notes):
    assert rule_problems(checked_notes, SEED_WORDS)[1] == []


def test_a_hostile_cell_stays_linear(checked_notes):
    """200,000 look-alike words in one cell: one problem (the rule tries at most 20 seed look-ups per cell;
    scripts/bench.py is where time is measured)."""
    problems = rule_problems(checked_notes, HOSTILE)[1]
    assert len(problems) == 1 and "('GUIDE')" in problems[0]


def test_the_quick_search_passes_over_no_cell_with_an_outside_word():
    """The rule tries a cell's words one by one only where _MAY_NAME_OUTSIDE finds something: it must find something
    in every cell that has a word the rule names (here 200,000 random cells of the characters that matter, with
    case and Unicode look-alikes)."""
    import random

    from scripts.check.rules import _MAY_NAME_OUTSIDE, _outside_reference

    pieces = list("abcdefhjkmnpqsuvxyz0123456789 .:/§()[]{}<>,;!?\"'“”«»-_@ſKİ") + \
        ["GUIDE", "README", "www", "WWW", "mailto", "MAILTO", "md", "MD", "txt", "csv", "Json", "pdf", "r", "R", "db"]
    generator = random.Random(14)
    cells = ["see GUIDE §4", "http://x", "WWW.example.org", "MailTo:a", "notes.MD", "(a.pdf)", "docs/x.Json.", "x.R"]
    cells += ["".join(generator.choice(pieces) for _ in range(generator.randint(1, 12))) for _ in range(200_000)]
    named = [cell for cell in cells if any(_outside_reference(token) for token in cell.split())]
    assert len(named) > 10_000  # the random cells do hold outside words
    assert [cell for cell in named if not _MAY_NAME_OUTSIDE.search(cell)] == []
