"""Synthetic packages for the benchmark and the tests (issue 7): N seeds made from the real package.

    python -m scripts.synthetic N OUTPUT_DIR [--root .]

Copy 0 is the real package unchanged. Copy k (k >= 1) is the real seed with one marker paragraph inserted just
before its final page-furniture line ('Comments'), so that every copy has its own bytes and sha256 while every
evidence span (all of which end before that line) keeps its offsets. Every identifier of copy k (every field with
the slug pattern: keys, foreign keys, participant_id) gets the suffix '-cNNNN'; sentence ids follow
scripts/sentences.py's naming ('<source_id>-sNNN'). The vocabularies (tables without a source_id) are shared, not
multiplied. Rows are written sorted by primary key, with the package's CSV conventions, so the result passes the
check; datapackage.json, schemas/ and datasette/ (the SQLite build's configuration) are copied as they are.
Output goes to OUTPUT_DIR, under build/ or outside the repository (anything else is refused); an existing
OUTPUT_DIR is replaced only when it holds a datapackage.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.csvio import read_rows, render_csv
from scripts.schemas import load_spec
from scripts.seeds import FURNITURE_LINES, read_seed
from scripts.sentences import split_seed

ROOT = Path(__file__).resolve().parent.parent
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
MARKER = "Synthetic copy {tag} of this article, made for the benchmark of the toolkit."


@dataclass
class Summary:
    seeds: int
    rows: int  # every row of every table, as the check counts them
    evidence_spans: int


def copy_tag(copy: int) -> str:
    return f"c{copy:04d}"


def _marker_position(text: str) -> int:
    """Where a copy's marker paragraph goes: before a final furniture line, else at the end."""
    last_line_start = text.rfind("\n") + 1
    if text[last_line_start:].strip() in FURNITURE_LINES:
        return last_line_start
    return len(text)


def synthetic_seed(text: str, copy: int) -> str:
    """The seed of copy k: the real text with a marker paragraph of the same length for every k."""
    if copy == 0:
        return text
    at = _marker_position(text)
    marker = MARKER.format(tag=copy_tag(copy))
    return text[:at] + marker + "\n" + text[at:] if at < len(text) else text + "\n" + marker


LINKING_TABLES = ("source_note_rows",)
PARTICIPANT_COLUMNS = ("person_id", "delegation_id", "organization_id")


def _copied_id_fields(table, shared: set[str]) -> list[str]:
    """The id columns of a table that get a copy's suffix: every slug column but the source and sentence, and
    those that point at a shared table (entities and vocabularies stay one row for all copies)."""
    to_shared = {fk["fields"] for fk in table.foreign_keys if fk["reference"]["resource"] in shared}
    return [f.name for f in table.fields if f.constraints.get("pattern") == SLUG_PATTERN
            and f.name not in ("source_id", "sentence_id") and f.name not in to_shared]


def _copied_row_key(table, row_key: str, id_fields: dict, suffix: str) -> str:
    """A row key ('a/b', the primary key's values) as it reads in a copy: the parts whose column is copied get
    the suffix; keys of shared tables stay as they are."""
    copied = id_fields.get(table.name, [])
    parts = row_key.split("/")
    return "/".join(part + suffix if column in copied else part for column, part in zip(table.primary_key, parts))


def generate(seeds: int, output: Path, root: Path = ROOT) -> Summary:
    """Write a package of `seeds` copies of the real package's one seed to output; return its size."""
    if seeds < 1:
        raise ValueError("the number of seeds must be at least 1")
    if seeds > 9999:
        raise ValueError("at most 9999 seeds (ids carry a four-digit copy number)")
    root, output = Path(root).resolve(), Path(output).resolve()
    if output == root or output in root.parents or (root in output.parents and output.relative_to(root).parts[0] != "build"):
        raise ValueError(f"{output}: write synthetic packages under build/ or outside the repository")
    if output.exists() and any(output.iterdir()) and not (output / "datapackage.json").exists():
        raise ValueError(f"{output}: exists and is not a package; refusing to replace it")
    spec = load_spec(root)
    tables = {t.name: read_rows(root / t.data_path) for t in spec.tables}
    sources = tables["sources"]
    if len(sources) != 1:
        raise ValueError(f"the generator multiplies a one-seed package; this one has {len(sources)} seeds")
    source = sources[0]
    base_id, base_text = source["source_id"], read_seed(root / source["path"])
    marker_at = _marker_position(base_text)

    # Curated tables: every table with evidence columns, multiplied per copy. The vocabularies and the
    # corpus-level entities (persons, organizations, parties, places: no evidence of their own) are shared, so a
    # copy adds mentions of the same entities, as a second article would. Tables that only link rows by key
    # (source_note_rows) are multiplied with the rows they link.
    curated = [t for t in spec.tables if t.has_evidence]
    linking = [t for t in spec.tables if t.name in LINKING_TABLES]
    shared = {t.name for t in spec.tables if not t.has_evidence and t.name not in LINKING_TABLES} - {"sources", "sentences"}
    for table in curated:
        for row in tables[table.name]:
            if int(row["evidence_end"]) > marker_at:
                raise ValueError(f"{table.data_path}: a span ends after {marker_at}, where the marker goes")
    id_fields = {t.name: _copied_id_fields(t, shared) for t in curated + linking}

    # Sentences of a copy are those of copy 1 with the marker's digits changed: compute them once.
    template = split_seed(synthetic_seed(base_text, 1)) if seeds > 1 else []
    width = max(3, len(str(len(template))))
    base_positions = {row["sentence_id"]: int(row["position"]) for row in tables["sentences"]}

    if output.exists():
        shutil.rmtree(output)
    (output / "data").mkdir(parents=True)
    (output / "seeds").mkdir()
    shutil.copytree(root / "schemas", output / "schemas")
    if (root / "datasette").is_dir():  # the SQLite build reads its configuration from the package root
        shutil.copytree(root / "datasette", output / "datasette")
    shutil.copy2(root / "datapackage.json", output / "datapackage.json")

    out: dict[str, list[dict]] = {t.name: [] for t in spec.tables}
    for name in shared:
        out[name] = list(tables[name])
    for copy in range(seeds):
        text = synthetic_seed(base_text, copy)
        if copy == 0:
            source_id, path = base_id, source["path"]
            (output / path).write_bytes((root / path).read_bytes())
            out["sentences"].extend(tables["sentences"])
            new_sentence = {sid: sid for sid in base_positions}
        else:
            tag = copy_tag(copy)
            source_id, path = f"{base_id}-{tag}", f"seeds/{tag}_synthetic.txt"
            (output / path).write_bytes(text.encode("utf-8"))
            for position, sentence in enumerate(template, start=1):
                out["sentences"].append({"sentence_id": f"{source_id}-s{position:0{width}d}", "source_id": source_id,
                                         "position": position, **sentence,
                                         "text": text[sentence["start"]:sentence["end"]]})
            # The marker comes after every cited sentence, so those keep their positions.
            new_sentence = {sid: f"{source_id}-s{position:0{width}d}" for sid, position in base_positions.items()}
        out["sources"].append({**source, "source_id": source_id, "path": path,
                               "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
        suffix = "" if copy == 0 else f"-{copy_tag(copy)}"
        for table in curated + linking:
            fields = id_fields[table.name]
            for row in tables[table.name]:
                new = dict(row)
                for name in fields:
                    if new[name]:
                        new[name] += suffix
                if "participant_id" in new:  # it repeats whichever participant column is set
                    new["participant_id"] = next(new[c] for c in PARTICIPANT_COLUMNS if new.get(c))
                if new.get("row_key") and new.get("table_name"):
                    new["row_key"] = _copied_row_key(spec.table(new["table_name"]), new["row_key"], id_fields, suffix)
                if table.has_evidence:
                    new["source_id"], new["sentence_id"] = source_id, new_sentence[row["sentence_id"]]
                out[table.name].append(new)

    rows = spans = 0
    for t in spec.tables:
        key = t.primary_key
        ordered = sorted(out[t.name], key=lambda row: tuple(str(row[k]) for k in key))
        (output / t.data_path).write_bytes(render_csv(t.field_names, ordered).encode("utf-8"))
        rows += len(ordered)
        spans += len(ordered) if t.has_evidence else 0
    return Summary(seeds, rows, spans)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seeds", type=int, help="number of seeds (1 is the real package)")
    parser.add_argument("output", help="directory to write the package to (replaced if it exists)")
    parser.add_argument("--root", default=str(ROOT), help="the real package (default: this repository)")
    args = parser.parse_args(argv)
    try:
        summary = generate(args.seeds, Path(args.output), Path(args.root))
    except (ValueError, OSError) as error:
        print(f"synthetic: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"seeds": summary.seeds, "rows": summary.rows, "evidence_spans": summary.evidence_spans}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
