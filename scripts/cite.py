"""Curator's aid: find the evidence columns for exact words of a seed, so that nobody counts characters.

    python -m scripts.cite SEED_PATH "exact words" [--occurrence N] [--csv]

Prints source_id, sentence_id, evidence_start, evidence_end (and the evidence) for the span, or with --csv one
ready-made CSV fragment `source_id,sentence_id,evidence_start,evidence_end,evidence` to paste at the end of a
row. Refuses (exit 1) when the words are absent, or occur more than once and --occurrence does not pick one.
The package (data/sources.csv, data/sentences.csv) is found from the seed's path: SEED_PATH lies in its seeds/.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.csvio import read_rows, render_csv
from scripts.schemas import PROVENANCE_FIELDS
from scripts.seeds import read_seed


class CiteError(Exception):
    """A request the aid cannot answer; its message is for the curator."""


@dataclass(frozen=True)
class Citation:
    source_id: str
    sentence_id: str
    evidence_start: int
    evidence_end: int
    evidence: str

    def as_row(self) -> dict:
        return {name: getattr(self, name) for name in PROVENANCE_FIELDS}


def occurrences(text: str, words: str) -> list[int]:
    found, start = [], text.find(words)
    while start != -1:
        found.append(start)
        start = text.find(words, start + 1)
    return found


def locate(text: str, words: str, occurrence: int | None = None) -> tuple[int, int]:
    """Offsets of words in text; occurrence (1-based) picks one when they occur more than once."""
    if not words:
        raise CiteError("the words to cite are empty")
    found = occurrences(text, words)
    if not found:
        raise CiteError(f"{words!r} does not occur in the seed (the match is exact: check apostrophes ’ and dashes —)")
    if occurrence is None:
        if len(found) > 1:
            where = ", ".join(str(start) for start in found)
            raise CiteError(f"{words!r} occurs {len(found)} times (at {where}); pick one with --occurrence 1..{len(found)}")
        occurrence = 1
    if not 1 <= occurrence <= len(found):
        raise CiteError(f"--occurrence {occurrence} is out of range: {words!r} occurs {len(found)} time(s)")
    start = found[occurrence - 1]
    return start, start + len(words)


def cite(package_root: Path, seed_path: Path, words: str, occurrence: int | None = None) -> Citation:
    relative = seed_path.resolve().relative_to(package_root.resolve()).as_posix()
    sources = [row for row in read_rows(package_root / "data" / "sources.csv") if row["path"] == relative]
    if not sources:
        raise CiteError(f"{relative} is not listed in data/sources.csv; add its row first")
    source_id = sources[0]["source_id"]
    text = read_seed(seed_path)
    start, end = locate(text, words, occurrence)
    for sentence in read_rows(package_root / "data" / "sentences.csv"):
        if sentence["source_id"] == source_id and int(sentence["start"]) <= start < int(sentence["end"]):
            return Citation(source_id, sentence["sentence_id"], start, end, text[start:end])
    raise CiteError(f"offset {start} lies in no sentence of {source_id}; run `make sentences`")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seed", help="path of the seed file, inside a package's seeds/ folder")
    parser.add_argument("words", help="the exact words to cite")
    parser.add_argument("--occurrence", type=int, help="which occurrence (1-based) when the words occur more than once")
    parser.add_argument("--csv", action="store_true", help="print a CSV fragment of the evidence columns")
    args = parser.parse_args(argv)
    seed_path = Path(args.seed)
    try:
        if not seed_path.is_file():
            raise CiteError(f"{seed_path}: no such seed file")
        citation = cite(seed_path.resolve().parent.parent, seed_path, args.words, args.occurrence)
    except CiteError as error:
        print(f"cite: {error}", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError, KeyError, ValueError) as error:
        print(f"cite: cannot read the package around {seed_path}: {error}", file=sys.stderr)
        return 2
    if args.csv:
        fragment = render_csv(list(PROVENANCE_FIELDS), [citation.as_row()]).split("\n", 1)[1]
        sys.stdout.write(fragment)
    else:
        for name, value in citation.as_row().items():
            print(f"{name}\t{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
