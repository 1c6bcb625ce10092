"""The seed, sources.csv and the generated sentences."""
import hashlib

from scripts.csvio import read_rows
from scripts.seeds import HEADER_MARKER, parse_header, read_seed
from scripts.sentences import main as sentences_main
from scripts.sentences import render, split_seed
from tests.conftest import ROOT, SEED, copy_package, run_module

SEED_SHA256 = "e80a773105bcff53d4d22218587a53890d95579689831d43bc11420708c2edef"  # GUIDE §1


def test_seed_is_the_published_bytes():
    data = SEED.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SEED_SHA256
    assert len(data) == 4538 and len(data.decode("utf-8")) == 4520


def test_sources_row_is_read_off_the_seed_header():
    (source,) = read_rows(ROOT / "data" / "sources.csv")
    header = parse_header(read_seed(SEED))
    assert source["path"] == "seeds/000_905ae90385d1da76.txt"
    assert source["sha256"] == SEED_SHA256
    assert (source["title"], source["section"], source["published"], source["author"]) == (
        header.title, header.section, header.published, header.author)
    assert source["published"] == "2025-06-04T18:43:00"


def test_committed_sentences_are_what_the_script_writes():
    committed = (ROOT / "data" / "sentences.csv").read_text(encoding="utf-8")
    assert committed == render(ROOT)
    # the suite's one `python -m scripts.sentences`; the other tests call its main in this process
    result = run_module("scripts.sentences", "--check")
    assert result.returncode == 0, result.output


def test_sentences_are_exact_trimmed_spans_covering_the_seed():
    text = read_seed(SEED)
    rows = [r for r in read_rows(ROOT / "data" / "sentences.csv")]
    covered = [0] * len(text)
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["text"]
        assert row["text"] == row["text"].strip() and row["text"]
        assert not row["text"].startswith("-")
        for i in range(start, end):
            covered[i] += 1
    markers = set()
    offset = 0
    for line in text.split("\n"):
        if line.startswith(HEADER_MARKER):
            markers.add(offset)  # the '-' of a header line's list marker is layout
        offset += len(line) + 1
    for i, char in enumerate(text):
        if not char.isspace() and i not in markers:
            assert covered[i] == 1, f"character {i} ({char!r}) is in {covered[i]} sentences"


def test_splitter_keeps_numbers_places_and_quotations_whole():
    texts = [r["text"] for r in read_rows(ROOT / "data" / "sentences.csv")]
    assert any("1.5 billion, 1.7 billion people" in t for t in texts)
    assert any("Washington, DC to engage" in t for t in texts)
    # the whole quotation with its ellipsis stays in one sentence
    assert any(t.startswith('He said, "Pakistan would still') and t.endswith('go to war."') for t in texts)
    kinds = [r["kind"] for r in read_rows(ROOT / "data" / "sentences.csv")]
    assert kinds[:4] == ["headline", "header", "header", "header"] and kinds[-1] == "furniture"
    assert texts[-1] == "Comments" and texts[1] == "In Reports"


def test_split_is_deterministic_and_handles_other_seeds():
    text = read_seed(SEED)
    assert split_seed(text) == split_seed(text)
    other = 'Title line\n- Section\n- 01:00 AM, Jan 01, 2024\n- Someone\nFirst one. Dr. Smith said, "Yes. No." Then it ended.'
    body = [s["text"] for s in split_seed(other) if s["kind"] == "body"]
    assert body[0] == "First one." and body[-1] == "Then it ended."


def test_rerun_on_unchanged_seed_rewrites_nothing(tmp_path):
    package = copy_package(tmp_path / "p")
    target = package / "data" / "sentences.csv"
    before = target.stat().st_mtime_ns
    assert sentences_main(["--root", str(package)]) == 0
    assert target.stat().st_mtime_ns == before
    assert sentences_main(["--root", str(package), "--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace("Comments", "Komments"), encoding="utf-8")
    assert sentences_main(["--root", str(package), "--check"]) == 1
