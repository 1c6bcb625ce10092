"""Layer (d): provenance. Each seed's path (inside seeds/), size, sha256 (hashed streaming) and header lines;
every sentence against its seed (text, line, order, cover); every evidence span against its seed and sentence."""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from scripts.cells import integer_cell
from scripts.check.inputs import MAX_SEED_BYTES, NotRegular, Table, TooLarge, open_regular, safe_path
from scripts.check.report import Report
from scripts.seeds import HEADER_MARKER, parse_header

LAYER = "d"
SEED_DIR = "seeds/"


@dataclass
class Seed:
    source_id: str
    path: str
    text: str
    sha256: str = ""
    sentence_starts: list[int] = field(default_factory=list)
    sentences: list[tuple[int, int, str, int]] = field(default_factory=list)  # (start, end, sentence_id, line), by start
    line_starts: list[int] = field(default_factory=list)  # offset of each line of text, computed on first use

    def line_at(self, offset: int) -> int:
        """The 1-based line of the text that holds this offset."""
        if not self.line_starts:
            self.line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        return bisect.bisect_right(self.line_starts, offset)


def read_seed_bytes(file: Path) -> tuple[bytes, str]:
    """A seed's bytes and their sha256, read in blocks up to MAX_SEED_BYTES (TooLarge past it)."""
    digest, blocks, size = hashlib.sha256(), [], 0
    with open_regular(file, MAX_SEED_BYTES) as handle:
        while block := handle.read(1 << 20):
            size += len(block)
            if size > MAX_SEED_BYTES:  # a file that grows while it is read
                raise TooLarge(size, MAX_SEED_BYTES)
            digest.update(block)
            blocks.append(block)
    return b"".join(blocks), digest.hexdigest()


def check_sources(root: Path, tables: dict[str, Table], report: Report) -> dict[str, Seed]:
    add = report.adder(LAYER)
    seeds: dict[str, Seed] = {}
    sources = tables.get("sources")
    if not sources or not sources.readable:
        return seeds
    first_by_file: dict[Path, tuple[str, int]] = {}  # seed file -> (source_id, line) of its first source
    first_by_digest: dict[str, tuple[str, int]] = {}
    for row in sources.rows:
        cells = row.cells
        relative = cells.get("path", "")
        if not relative.startswith(SEED_DIR):
            add("seed-outside-seeds", sources.path, row.line, "sources", "path", f"seed path {relative!r} must lie inside seeds/")
            continue
        seed_file, refusal = safe_path(root, relative, "seed path")
        if refusal:
            add(refusal.code, sources.path, row.line, "sources", "path", refusal.message)
            continue
        if seed_file in first_by_file:
            other, line = first_by_file[seed_file]
            add("seed-shared", sources.path, row.line, "sources", "path",
                f"{relative} is already the seed of {other} (line {line}): one seed, one source")
            continue
        first_by_file[seed_file] = (cells["source_id"], row.line)
        try:
            raw, digest = read_seed_bytes(seed_file)
        except NotRegular:
            add("not-a-regular-file", sources.path, row.line, "sources", "path", f"seed path {relative!r} is not a regular file")
            continue
        except TooLarge as error:
            add("file-too-large", sources.path, row.line, "sources", "path",
                f"{relative} is {error.size:,} bytes or more: a seed may have at most {MAX_SEED_BYTES:,}")
            continue
        except OSError as error:
            add("seed-unreadable", sources.path, row.line, "sources", "path", f"{relative} cannot be read ({error.strerror or error})")
            continue
        if cells.get("sha256") and digest != cells["sha256"]:  # an empty hash is layer c's
            add("hash-mismatch", sources.path, row.line, "sources", "sha256",
                f"{relative} has sha256 {digest}, not {cells['sha256']}: the seed was changed or the hash is wrong")
        if digest in first_by_digest:
            other, line = first_by_digest[digest]
            add("seed-shared", sources.path, row.line, "sources", "sha256",
                f"{relative} has the same bytes as the seed of {other} (line {line}): one seed, one source")
        first_by_digest.setdefault(digest, (cells["source_id"], row.line))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            add("seed-not-utf8", sources.path, row.line, "sources", "path", f"{relative} is not valid UTF-8 (byte {error.start})")
            continue
        _check_header_fields(sources.path, row.line, row.cells, relative, text, add)
        seeds[cells["source_id"]] = Seed(cells["source_id"], relative, text, digest)
    return seeds


def _check_header_fields(path: str, line: int, cells: dict, relative: str, text: str, add) -> None:
    """A sources row's title, author, published and section are read off its seed's header lines: they must say
    what the seed says."""
    try:
        header = parse_header(text)
    except ValueError as error:
        add("seed-header-unreadable", path, line, "sources", "path", f"{relative} has no readable header lines: {error}")
        return
    for column, value in (("title", header.title), ("author", header.author), ("published", header.published),
                          ("section", header.section)):
        if column in cells and cells[column] != value:
            add("source-header-mismatch", path, line, "sources", column,
                f"{column} {cells[column]!r} is not what the header lines of {relative} give: {value!r}")


def _span_problem(start: int, end: int, seed: Seed, start_field: str, end_field: str) -> tuple[str, str, str] | None:
    """(code, field, message) when [start:end] is no span of the seed's text."""
    if start >= end:
        return "span-invalid", end_field, f"span [{start}:{end}] is empty or reversed: {end_field} must be greater than {start_field}"
    if start < 0:
        return "span-invalid", start_field, f"span [{start}:{end}] starts before the start of {seed.path}: offsets count from 0"
    if end > len(seed.text):
        return "span-invalid", end_field, f"span [{start}:{end}] ends past the end of {seed.path} ({len(seed.text)} characters)"
    return None


def check_sentences(tables: dict[str, Table], seeds: dict[str, Seed], report: Report) -> dict[str, tuple[str, int, int]]:
    """Every sentence equals its seed span, on one line of the seed (its paragraph); sentences of a seed do not
    overlap, cover its text, and are numbered by their order in it (position, and the id made from it)."""
    add = report.adder(LAYER)
    index: dict[str, tuple[str, int, int]] = {}
    sentences = tables.get("sentences")
    if not sentences or not sentences.readable:
        return index
    path = sentences.path
    cells_of: dict[str, dict] = {}
    for row in sentences.rows:
        cells = row.cells
        start, end = integer_cell(cells.get("start", "")), integer_cell(cells.get("end", ""))
        seed = seeds.get(cells.get("source_id"))
        if start is None or end is None or seed is None:
            continue  # owned by layers b and c (runner.OWNERSHIP)
        index[cells["sentence_id"]] = (seed.source_id, start, end)
        wrong = _span_problem(start, end, seed, "start", "end")
        if wrong:
            code, field_name, message = wrong
            add(code, path, row.line, "sentences", field_name, message)
            continue
        if seed.text[start:end] != cells.get("text"):
            add("sentence-mismatch", path, row.line, "sentences", "text", f"text does not match {seed.path}[{start}:{end}]")
        line_of_seed = seed.line_at(start)
        if "\n" in seed.text[start:end]:
            add("sentence-crosses-line", path, row.line, "sentences", "end",
                f"span [{start}:{end}] runs over the end of line {line_of_seed} of {seed.path}: a sentence lies on one line")
        elif cells.get("paragraph") != str(line_of_seed):
            add("paragraph-mismatch", path, row.line, "sentences", "paragraph",
                f"paragraph {cells.get('paragraph')} is not the line of {seed.path} the sentence is on: {line_of_seed}")
        if (cells.get("kind") == "headline") != (line_of_seed == 1):
            add("headline-mismatch", path, row.line, "sentences", "kind",
                f"kind {cells.get('kind')!r}: the sentence on the seed's first line is its headline, and only that one")
        cells_of[cells["sentence_id"]] = cells
        seed.sentences.append((start, end, cells["sentence_id"], row.line))
    for seed in seeds.values():
        seed.sentences.sort()
        seed.sentence_starts = [sentence[0] for sentence in seed.sentences]
        width = max(3, len(str(len(seed.sentences))))
        for position, (start, _, sentence_id, line) in enumerate(seed.sentences, start=1):
            if cells_of[sentence_id].get("position") != str(position):
                add("position-mismatch", path, line, "sentences", "position",
                    f"position {cells_of[sentence_id].get('position')} is not the sentence's place in {seed.path}: "
                    f"it starts at {start}, sentence {position} of {len(seed.sentences)}")
            elif sentence_id != f"{seed.source_id}-s{position:0{width}d}":
                add("sentence-id-mismatch", path, line, "sentences", "sentence_id",
                    f"sentence_id must be {seed.source_id}-s{position:0{width}d}: the source, 's' and the position")
        covered_to, previous = 0, None
        for start, end, sentence_id, line in seed.sentences:
            if start < covered_to:
                add("sentence-overlap", path, line, "sentences", "start",
                    f"sentence {sentence_id} [{start}:{end}] overlaps sentence {previous} (which ends at {covered_to})")
            gap = seed.text[covered_to:start]
            if gap.strip() and gap.strip() != HEADER_MARKER.strip():
                add("text-not-covered", path, line, "sentences", "start",
                    f"{seed.path}[{covered_to}:{start}] ({gap.strip()[:40]!r}) lies in no sentence of "
                    f"{seed.source_id}: the gap ends where sentence {sentence_id} starts")
            if end > covered_to:
                covered_to, previous = end, sentence_id
        if seed.text[covered_to:].strip():
            add("text-not-covered", path, None, "sentences", "text",
                f"{seed.path}[{covered_to}:] lies in no sentence of {seed.source_id}"
                + ("" if seed.sentences else ": the source has no sentences (run `make sentences`)"))
    return index


def check_evidence(tables: dict[str, Table], seeds: dict[str, Seed], sentence_index: dict, report: Report) -> None:
    add = report.adder(LAYER)
    for table in tables.values():
        if not table.readable or not table.spec.has_evidence:
            continue
        for row in table.rows:
            cells = row.cells
            seed = seeds.get(cells.get("source_id"))
            start, end = integer_cell(cells.get("evidence_start", "")), integer_cell(cells.get("evidence_end", ""))
            if seed is None or start is None or end is None:
                continue  # a dangling source or a non-integer offset: owned by layers b and c (runner.OWNERSHIP)
            report.evidence_spans += 1
            wrong = _span_problem(start, end, seed, "evidence_start", "evidence_end")
            if wrong:
                code, field_name, message = wrong
                add(code, table.path, row.line, table.name, field_name, message)
                continue
            if seed.text[start:end] != cells.get("evidence"):
                add("evidence-mismatch", table.path, row.line, table.name, "evidence",
                    f"evidence does not match {seed.path}[{start}:{end}] ({seed.text[start:end][:60]!r})")
            sentence = sentence_index.get(cells.get("sentence_id"))
            if sentence is None:
                continue  # dangling sentence_id: layer b's
            sentence_source, sentence_start, sentence_end = sentence
            if sentence_source != seed.source_id:
                add("evidence-other-source", table.path, row.line, table.name, "sentence_id",
                    f"sentence {cells['sentence_id']} belongs to {sentence_source}, not {seed.source_id}")
            elif not sentence_start <= start < sentence_end:
                position = bisect.bisect_right(seed.sentence_starts, start) - 1
                actual = seed.sentences[position][2] if position >= 0 else None
                add("evidence-outside-sentence", table.path, row.line, table.name, "sentence_id",
                    f"evidence starts at {start}, outside sentence {cells['sentence_id']} [{sentence_start}:{sentence_end}]"
                    + (f"; it starts in {actual}" if actual else ""))


def check_provenance(root: Path, tables: dict[str, Table], report: Report) -> dict[str, Seed]:
    seeds = check_sources(root, tables, report)
    check_evidence(tables, seeds, check_sentences(tables, seeds, report), report)
    return seeds
