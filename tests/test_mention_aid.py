"""The curator's aid for mentions: python -m scripts.mention_aid SEED [--uncovered]."""
import csv

from scripts.mention_aid import main, whole_word_spans
from scripts.seeds import read_seed
from tests.conftest import SEED, read_csv, run_module, write_csv

SEED_NAME = SEED.name


def listed(capsys, seed, *args):
    code = main([str(seed), *args])
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].split("\t") == ["what", "entity", "words", "start", "end", "sentence_id", "covered_by"]
    return code, [dict(zip(lines[0].split("\t"), line.split("\t"))) for line in lines[1:]], out.err


def test_whole_words_only():
    text = "Indian delegation; India’s stand; Bhutto-Zardari; the US and us"
    india, bhutto, us = text.index("India’s"), text.index("Bhutto"), text.index("US")
    assert whole_word_spans(text, "India") == [(india, india + 5)]
    assert whole_word_spans(text, "Bhutto") == [(bhutto, bhutto + 6)]
    assert whole_word_spans(text, "US") == [(us, us + 2)]


def test_every_occurrence_is_the_seeds_words_in_its_sentence(capsys):
    code, rows, err = listed(capsys, SEED)
    assert code == 0, err
    text = read_seed(SEED)
    sentences = {row["sentence_id"]: row for row in csv.DictReader(open(SEED.parent.parent / "data" / "sentences.csv",
                                                                          encoding="utf-8"))}
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["words"]
        assert int(sentences[row["sentence_id"]]["start"]) <= start < int(sentences[row["sentence_id"]]["end"])
    tharoor = [row for row in rows if row["entity"] == "person_id=shashi-tharoor"]
    assert len(tharoor) == text.count("Shashi Tharoor") == 4
    # "us" as a pronoun is never the state's "US"
    assert not [row for row in rows if row["what"] == "pronoun" and row["words"].lower() == "us"]


def test_the_real_mentions_cover_every_name(capsys):
    code, rows, err = listed(capsys, SEED, "--uncovered")
    assert code == 0, err
    assert [row for row in rows if row["what"] == "name"] == []
    # first-person pronouns inside quotes, and 'it'/'them' for things that are not entities, are not mentions
    assert sorted(row["words"] for row in rows if row["what"] == "pronoun") == ["I", "I", "We", "it", "them", "we", "we"]


def test_a_name_marked_as_no_mention_is_shown_as_such(capsys):
    _, rows, _ = listed(capsys, SEED)
    start = str(read_seed(SEED).index("Pakistan Peoples Party"))
    inside_party = [row for row in rows if row["entity"] == "organization_id=pakistan" and row["start"] == start]
    party_mention = next(row["mention_id"] for row in csv.DictReader(open(SEED.parent.parent / "data" / "mentions.csv",
                                                                          encoding="utf-8"))
                         if row["party_id"] == "pakistan-peoples-party")
    assert [row["covered_by"] for row in inside_party] == [f"not-a-mention:{party_mention}"]


def test_a_removed_mention_shows_up_uncovered(package, capsys):
    path = package / "data" / "mentions.csv"
    header, rows = read_csv(path)
    first_he = next(row for row in rows if row["evidence"] == "He")
    write_csv(path, header, [row for row in rows if row is not first_he])
    code, listed_rows, _ = listed(capsys, package / "seeds" / SEED_NAME, "--uncovered")
    assert code == 0
    assert {"what": "pronoun", "entity": "-", "words": "He", "start": first_he["evidence_start"],
            "end": first_he["evidence_end"], "sentence_id": first_he["sentence_id"], "covered_by": "-"} in listed_rows


def test_a_mention_of_another_entity_does_not_cover_a_name(package, capsys):
    path = package / "data" / "mentions.csv"
    header, rows = read_csv(path)
    dawn = next(row for row in rows if row["organization_id"] == "dawn")
    dawn["organization_id"], dawn["person_id"] = "", "donald-trump"
    write_csv(path, header, rows)
    code, listed_rows, _ = listed(capsys, package / "seeds" / SEED_NAME, "--uncovered")
    assert code == 0
    assert [row["words"] for row in listed_rows if row["entity"] == "organization_id=dawn"] == ["Dawn"]


def test_malformed_rows_are_reported_and_fail(package, capsys):
    path = package / "data" / "mentions.csv"
    header, rows = read_csv(path)
    rows[0]["evidence_start"] = str(int(rows[0]["evidence_start"]) + 1)
    rows[1]["organization_id"], rows[1]["party_id"] = rows[1]["organization_id"] or "india", "bjp"
    rows[2]["mention_kind"] = "nickname"
    pronoun = next(row for row in rows if row["mention_kind"] == "pronoun")
    pronoun["note"] = ""
    write_csv(path, header, rows)
    code, _, err = listed(capsys, package / "seeds" / SEED_NAME)
    assert code == 1
    problems = err.splitlines()
    assert len(problems) == 4
    assert f"row 2 ({rows[0]['mention_id']}): evidence" in problems[0]
    assert f"row 3 ({rows[1]['mention_id']}): exactly one of" in problems[1]
    assert "mention_kind 'nickname'" in problems[2]
    assert f"({pronoun['mention_id']}): a pronoun needs a note" in problems[3]


def test_cli_refuses_an_unlisted_seed_without_a_traceback(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sources.csv").write_text("source_id,path\n", encoding="utf-8")
    seed = tmp_path / "seeds" / "x.txt"
    seed.write_text("He said.", encoding="utf-8")
    result = run_module("scripts.mention_aid", str(seed))
    assert result.returncode == 2
    assert "is not listed in data/sources.csv" in result.stderr and "Traceback" not in result.output
