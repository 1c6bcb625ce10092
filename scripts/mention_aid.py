"""Curator's aid for data/mentions.csv: where in a seed each entity's name, other names or abbreviation and each
personal pronoun occurs, with offsets and sentence, and which mention rows cover it; plus the mention rows whose
evidence columns do not match the seed.

    python -m scripts.mention_aid SEED_PATH [--uncovered]

Names are matched exactly (case and apostrophes as written) and as whole words: "Bhutto" is found inside
"Bhutto-Zardari" (a mention of "Bhutto-Zardari" then covers it) but "India" is not found inside "Indian".
A name occurrence is covered by a mention of the same entity whose span contains it, or marked as no mention of
it by a containing mention whose note says `not a mention of ID` (the check's convention, scripts.check.rules_model);
a pronoun is covered by any mention whose span contains it. Uncovered occurrences are listed for review, not
refused: some pronouns are deliberately not mentions ('we' in a quote, 'it' for a thing).
Exit 1 when a mention row is malformed, else 0.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import scripts.check.rules  # noqa: F401 (first: the rules and rules_model modules import each other in this order)
from scripts.check.rules_model import ENTITY_NAMES, MENTION_COLUMNS, NOT_A_MENTION
from scripts.csvio import read_rows
from scripts.seeds import read_seed

PRONOUNS = ("I me my mine myself we us our ours ourselves you your yours he him his himself she her hers herself "
            "it its itself they them their theirs themselves").split()


@dataclass(frozen=True)
class Occurrence:
    what: str  # "name" or "pronoun"
    key: str  # e.g. "person_id=bilawal-bhutto-zardari", or "" for a pronoun
    words: str
    start: int
    end: int
    sentence_id: str
    covered_by: tuple[str, ...]


def whole_word_spans(text: str, words: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"(?<!\w)" + re.escape(words) + r"(?!\w)")
    return [(match.start(), match.end()) for match in pattern.finditer(text)]


def surface_forms(data_dir: Path) -> list[tuple[str, str]]:
    """(key, surface form) for every entity of the package's entity tables that exist."""
    forms = []
    for table, (key, columns) in ENTITY_NAMES.items():
        path = data_dir / f"{table}.csv"
        if not path.exists():
            continue
        for row in read_rows(path):
            names = {part.strip() for column in columns for part in (row.get(column) or "").split(";")}
            forms += [(f"{key}={row[key]}", name) for name in sorted(names) if name]
    return forms


def shared_names(data_dir: Path) -> dict[str, str]:
    """A country (places, classification country) shares its names with its state: key of the place -> key of the
    state, whose mentions cover the country's names too (as in the check's mention-completeness rule)."""
    path = data_dir / "places.csv"
    if not path.exists():
        return {}
    return {f"place_id={row['place_id']}": f"organization_id={row['country_id']}" for row in read_rows(path)
            if row.get("classification") == "country" and row.get("country_id")}


def mention_key(row: dict) -> str:
    filled = [key for key in MENTION_COLUMNS if row.get(key)]
    return f"{filled[0]}={row[filled[0]]}" if len(filled) == 1 else ""


def sentence_of(sentences: list[dict], offset: int) -> str:
    return next((s["sentence_id"] for s in sentences if int(s["start"]) <= offset < int(s["end"])), "")


def mention_kinds(root: Path) -> list[str]:
    """The kinds the package's mentions schema allows (its one home)."""
    schema = json.loads((root / "schemas" / "mentions.schema.json").read_text(encoding="utf-8"))
    return schema["properties"]["mention_kind"]["enum"]


def row_problems(text: str, sentences: list[dict], kinds: list[str], row: dict) -> list[str]:
    """What is wrong with one mention row, in the curator's words (empty when nothing is)."""
    problems = []
    if not mention_key(row):
        problems.append(f"exactly one of {', '.join(MENTION_COLUMNS)} must be filled")
    if row.get("mention_kind") not in kinds:
        problems.append(f"mention_kind {row.get('mention_kind')!r} is not one of {kinds}")
    if row.get("mention_kind") in {"nominal", "pronoun"} and not row.get("note"):
        problems.append(f"a {row['mention_kind']} needs a note saying how it was resolved")
    try:
        start, end = int(row["evidence_start"]), int(row["evidence_end"])
    except (KeyError, TypeError, ValueError):
        return problems + ["evidence_start/evidence_end are not integers"]
    if text[start:end] != row.get("evidence"):
        problems.append(f"evidence {row.get('evidence')!r} != seed[{start}:{end}] {text[start:end]!r}")
    if sentence_of(sentences, start) != row.get("sentence_id"):
        problems.append(f"offset {start} lies in {sentence_of(sentences, start) or 'no sentence'}, "
                        f"not {row.get('sentence_id')}")
    return problems


def occurrences(text: str, sentences: list[dict], forms: list[tuple[str, str]], rows: list[dict],
                shared: dict[str, str] | None = None) -> list[Occurrence]:
    """Every name and pronoun occurrence, with the mentions that cover it: a name by a mention of its entity (or,
    marked 'not-a-mention:ID', by a longer mention whose note says it is not a mention of that entity)."""
    spans = [(mention_key(row), int(row["evidence_start"]), int(row["evidence_end"]), row["mention_id"],
              NOT_A_MENTION.findall(row.get("note") or "")) for row in rows]

    def covering(key: str, start: int, end: int) -> tuple[str, ...]:
        inside = [span for span in spans if span[1] <= start and end <= span[2]]
        accepted = {key, (shared or {}).get(key, key)}
        own = tuple(mid for k, _, _, mid, _ in inside if not key or k in accepted)
        return own or tuple(f"not-a-mention:{mid}" for _, _, _, mid, marked in inside
                            if key.split("=", 1)[-1] in marked)

    found = [Occurrence("name", key, words, s, e, sentence_of(sentences, s), covering(key, s, e))
             for key, words in forms for s, e in whole_word_spans(text, words)]
    for pronoun in PRONOUNS:
        for spelling in {pronoun, pronoun[0].upper() + pronoun[1:]}:
            found += [Occurrence("pronoun", "", spelling, s, e, sentence_of(sentences, s), covering("", s, e))
                      for s, e in whole_word_spans(text, spelling)]
    return sorted(found, key=lambda o: (o.start, -o.end, o.key))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seed", help="path of the seed file, inside a package's seeds/ folder")
    parser.add_argument("--uncovered", action="store_true", help="list only occurrences no mention covers")
    args = parser.parse_args(argv)
    seed_path = Path(args.seed).resolve()
    data_dir = seed_path.parent.parent / "data"
    try:
        text = read_seed(seed_path)
        relative = seed_path.relative_to(data_dir.parent).as_posix()
        source_ids = [row["source_id"] for row in read_rows(data_dir / "sources.csv") if row["path"] == relative]
        if not source_ids:
            raise ValueError(f"{relative} is not listed in data/sources.csv")
        source_id = source_ids[0]
        sentences = [s for s in read_rows(data_dir / "sentences.csv") if s["source_id"] == source_id]
        mentions_path = data_dir / "mentions.csv"
        rows = [r for r in read_rows(mentions_path) if r.get("source_id") == source_id] if mentions_path.exists() else []
        forms, shared = surface_forms(data_dir), shared_names(data_dir)
        kinds = mention_kinds(data_dir.parent)
    except (OSError, UnicodeDecodeError, KeyError, ValueError) as error:
        print(f"mention_aid: cannot read the package around {args.seed}: {error}", file=sys.stderr)
        return 2
    problems, well_formed = [], []
    for number, row in enumerate(rows, start=2):
        found = row_problems(text, sentences, kinds, row)
        problems += [f"data/mentions.csv: row {number} ({row.get('mention_id')}): {p}" for p in found]
        if not found:
            well_formed.append(row)
    print("what\tentity\twords\tstart\tend\tsentence_id\tcovered_by")
    for occurrence in occurrences(text, sentences, forms, well_formed, shared):
        if args.uncovered and occurrence.covered_by:
            continue
        print("\t".join([occurrence.what, occurrence.key or "-", occurrence.words, str(occurrence.start),
                         str(occurrence.end), occurrence.sentence_id, " ".join(occurrence.covered_by) or "-"]))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
