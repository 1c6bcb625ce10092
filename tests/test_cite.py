"""The curator's aid: python -m scripts.cite SEED "exact words"."""
from scripts.cite import main as cite_main
from scripts.seeds import read_seed
from tests.conftest import SEED, run_main, run_module


def test_unique_words_give_their_offsets_and_sentence():
    # the suite's one `python -m scripts.cite`; the other tests call its main in this process
    result = run_module("scripts.cite", str(SEED), "Washington, DC")
    assert result.returncode == 0, result.output
    fields = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    start, end = int(fields["evidence_start"]), int(fields["evidence_end"])
    assert read_seed(SEED)[start:end] == "Washington, DC"
    assert fields["sentence_id"] == "myind-2025-06-04-bhutto-isi-raw-s011"
    assert fields["source_id"] == "myind-2025-06-04-bhutto-isi-raw"


def test_csv_fragment_is_ready_to_paste():
    words = "Pakistan’s willingness"
    result = run_main(cite_main, str(SEED), words, "--csv")
    assert result.returncode == 0, result.output
    start = read_seed(SEED).index(words)
    # In the package's CSV form (every field quoted, scripts/csvio.py), ready to paste into a table.
    assert result.stdout == f'"myind-2025-06-04-bhutto-isi-raw","myind-2025-06-04-bhutto-isi-raw-s024","{start}","{start + len(words)}","{words}"\n'
    straight = run_main(cite_main, str(SEED), "Pakistan's willingness")
    assert straight.returncode == 1 and "apostrophes" in straight.stderr


def test_absent_words_are_refused_clearly():
    result = run_main(cite_main, str(SEED), "Imran Khan")
    assert result.returncode == 1
    assert "does not occur" in result.stderr and "Traceback" not in result.output


def test_repeated_words_need_an_occurrence():
    result = run_main(cite_main, str(SEED), "Tharoor")
    assert result.returncode == 1 and "occurs 4 times" in result.stderr and "--occurrence" in result.stderr
    picked = run_main(cite_main, str(SEED), "Tharoor", "--occurrence", "3")
    assert picked.returncode == 0
    assert "evidence_start\t1015" in picked.stdout
    out_of_range = run_main(cite_main, str(SEED), "Tharoor", "--occurrence", "9")
    assert out_of_range.returncode == 1 and "out of range" in out_of_range.stderr


def test_missing_seed_is_a_message():
    result = run_main(cite_main, "seeds/nope.txt", "x")
    assert result.returncode == 1 and "no such seed file" in result.stderr
