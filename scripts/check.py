"""Stage 4 of the pipeline: check a data package and tell the curator exactly what is wrong and where.

    python -m scripts.check [DATAPACKAGE] [--format text|json]

Layers, each reported separately:
  (a) descriptor    datapackage.json: JSON, resources, safe paths, Table Schemas equal to the JSON Schemas
  (b) frictionless  the official Frictionless validation of every table, keys and foreign keys included
  (c) rows          every row against its table's JSON Schema (types, patterns, enums, rules between fields)
  (d) provenance    seeds' sha256 and paths, sentences against their seed, every evidence span
  (e) rules         rules across tables (names in the seed, leaders, sizes, dates, quotes, usage)
  (f) hygiene       UTF-8 without BOM, '\\n' line ends, final newline, exact header, no blank rows, no padded
                    or formula-like cells, rows sorted by primary key
Output: one line per problem, `path:line: [table.field] message`, grouped by layer, then a summary line.
Exit status: 0 valid, 1 invalid, 2 unusable input (descriptor missing, unreadable or not JSON).
The check reads files only inside the package directory and never opens a network connection.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import io
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scripts import rules
from scripts.schemas import PROVENANCE_FIELDS, TableSpec, row_validator, table_from_json_schema, table_schema
from scripts.seeds import HEADER_MARKER, sha256_of

LAYERS = {
    "a": "descriptor",
    "b": "frictionless",
    "c": "rows (JSON Schema)",
    "d": "provenance",
    "e": "rules across tables",
    "f": "CSV hygiene",
}
TABLE_SCHEMA_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "time", "year", "yearmonth",
                      "array", "object", "geopoint", "geojson", "duration", "any"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 2_000_000  # a bound for csv's field size, so a huge cell is a message, not a crash


class Unusable(Exception):
    """The input cannot be checked at all (exit 2)."""


@dataclass
class Problem:
    layer: str
    path: str
    line: int | None
    table: str | None
    field: str | None
    message: str

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"[{self.table}.{self.field}] " if self.table and self.field else (f"[{self.table}] " if self.table else "")
        return f"{where}: {what}{self.message}"


@dataclass
class Row:
    line: int
    cells: dict[str, str]


@dataclass
class Table:
    """One resource as read from disk, once; every layer works from this."""
    spec: TableSpec
    path: str  # as written in the descriptor, relative to the package root
    file: Path
    rows: list[Row] = field(default_factory=list)
    readable: bool = True
    record_lines: list[int] = field(default_factory=list)  # record position (header = 1) -> physical line

    @property
    def name(self) -> str:
        return self.spec.name

    def line_of_record(self, position: int | None) -> int | None:
        if position is None:
            return None
        if 1 <= position <= len(self.record_lines):
            return self.record_lines[position - 1]
        return position


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    evidence_spans: int = 0
    skipped: dict[str, str] = field(default_factory=dict)

    def add(self, layer, path, line, table, field_name, message):
        self.problems.append(Problem(layer, path, line, table, field_name, message))

    @property
    def valid(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- paths

def safe_path(root: Path, relative, what: str) -> tuple[Path | None, str | None]:
    """Resolve a path of the descriptor inside the package root, or say why it is refused."""
    if not isinstance(relative, str) or not relative:
        return None, f"{what} must be a non-empty string path"
    if "://" in relative or relative.split(":", 1)[0].lower() in {"http", "https", "ftp", "file", "s3", "data"}:
        return None, f"{what} {relative!r} is a URL: only files inside the package are read, nothing is fetched"
    candidate = Path(relative)
    if candidate.is_absolute() or relative.startswith(("/", "\\")):
        return None, f"{what} {relative!r} is absolute: paths must be relative to the package"
    if ".." in candidate.parts:
        return None, f"{what} {relative!r} climbs out of the package with '..'"
    resolved = (root / candidate).resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        return None, f"{what} {relative!r} leads outside the package (a symbolic link?)"
    if not resolved.exists():
        return None, f"{what} {relative!r} does not exist"
    if not resolved.is_file():
        return None, f"{what} {relative!r} is not a regular file"
    return resolved, None


# ---------------------------------------------------------------- (a) descriptor

def load_descriptor(path: Path) -> dict:
    if not path.exists():
        raise Unusable(f"{path}: no such file")
    if path.is_dir():
        raise Unusable(f"{path}: is a directory, not a datapackage.json")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise Unusable(f"{path}: cannot be read ({error.strerror})")
    try:
        descriptor = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unusable(f"{path}: is not JSON ({error})")
    if not isinstance(descriptor, dict):
        raise Unusable(f"{path}: is JSON but not an object: not a data package descriptor")
    return descriptor


def _field_differences(declared: dict, derived: dict) -> list[tuple[str | None, str]]:
    """How the descriptor's Table Schema differs from the one derived from the JSON Schema."""
    found = []
    declared_fields = {f.get("name"): f for f in declared.get("fields", []) if isinstance(f, dict)}
    derived_fields = {f["name"]: f for f in derived["fields"]}
    for name in derived_fields:
        if name not in declared_fields:
            found.append((name, "field is in the JSON Schema but missing from datapackage.json"))
        elif declared_fields[name] != derived_fields[name]:
            keys = sorted(k for k in set(declared_fields[name]) | set(derived_fields[name])
                          if declared_fields[name].get(k) != derived_fields[name].get(k))
            found.append((name, f"field differs from the JSON Schema in: {', '.join(keys)} (run `make package`)"))
    for name in declared_fields:
        if name not in derived_fields:
            found.append((name, "field is in datapackage.json but not in the JSON Schema"))
    if not found and [f.get("name") for f in declared.get("fields", [])] != list(derived_fields):
        found.append((None, "field order differs from the JSON Schema (run `make package`)"))
    for key in ("primaryKey", "foreignKeys", "missingValues"):
        if declared.get(key) != derived.get(key):
            found.append((None, f"{key} differs from the JSON Schema's (run `make package`)"))
    return found


def check_descriptor(root: Path, descriptor_path: str, descriptor: dict, report: Report) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        report.add("a", descriptor_path, None, None, None, "'resources' must be a non-empty list")
        return tables
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    common_cache: dict[Path, dict] = {}
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            report.add("a", descriptor_path, None, None, None, f"{where} has no name")
            continue
        name = resource["name"]
        if names.count(name) > 1:
            report.add("a", descriptor_path, None, name, None, f"resource name {name!r} is used {names.count(name)} times")
            continue
        schema = resource.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            report.add("a", descriptor_path, None, name, None, "resource has no schema with a list of fields")
            continue
        bad_field = False
        for field_descriptor in schema["fields"]:
            field_type = field_descriptor.get("type", "string") if isinstance(field_descriptor, dict) else None
            if field_type not in TABLE_SCHEMA_TYPES:
                bad_field = True
                field_name = field_descriptor.get("name") if isinstance(field_descriptor, dict) else None
                report.add("a", descriptor_path, None, name, field_name, f"unknown field type {field_type!r}")
        for fk in schema.get("foreignKeys", []) or []:
            target = (fk.get("reference") or {}).get("resource") if isinstance(fk, dict) else None
            if target not in ("", *names):
                bad_field = True
                report.add("a", descriptor_path, None, name, str(fk.get("fields")) if isinstance(fk, dict) else None,
                           f"foreign key refers to a resource {target!r} that the package does not have")
        data_file, error = safe_path(root, resource.get("path"), "resource path")
        if error:
            report.add("a", descriptor_path, None, name, None, error)
            continue
        schema_file, error = safe_path(root, resource.get("jsonschema"), "jsonschema path")
        if error:
            report.add("a", descriptor_path, None, name, None, error)
            continue
        try:
            json_schema = json.loads(schema_file.read_text(encoding="utf-8"))
            common_file = schema_file.parent / "common.schema.json"
            if common_file not in common_cache:
                common_path, error = safe_path(root, common_file.relative_to(root.resolve()).as_posix(), "shared schema")
                if error:
                    raise ValueError(error)
                common_cache[common_file] = json.loads(common_path.read_text(encoding="utf-8"))
            spec = table_from_json_schema(name, json_schema, common_cache[common_file])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            report.add("a", resource["jsonschema"], None, name, None, f"JSON Schema cannot be used: {error}")
            continue
        for field_name, message in _field_differences(schema, table_schema(spec)):
            report.add("a", descriptor_path, None, name, field_name, message)
            bad_field = True
        if bad_field:
            continue
        tables[name] = Table(spec, resource["path"], data_file)
    for required in ("sources", "sentences"):
        if required not in names:
            report.add("a", descriptor_path, None, required, None, f"the package has no {required!r} resource, which provenance needs")
    return tables


# ---------------------------------------------------------------- reading + (f) hygiene

def read_table(table: Table, report: Report) -> None:
    """Read one CSV once: record hygiene problems (layer f) and keep the rows for layers c-e."""
    path, name = table.path, table.name
    raw = table.file.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        report.add("f", path, 1, name, None, "file starts with a byte-order mark (BOM): save as UTF-8 without BOM")
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        report.add("f", path, line, name, None, f"invalid UTF-8 at byte {error.start}: the file must be UTF-8")
        table.readable = False
        return
    if not text:
        report.add("f", path, 1, name, None, "file is empty: it needs at least the header line")
        table.readable = False
        return
    if "\r" in text:
        report.add("f", path, text[: text.index("\r")].count("\n") + 1, name, None, "carriage return found: line ends must be '\\n' only")
    if not text.endswith("\n"):
        report.add("f", path, text.count("\n") + 1, name, None, "no final newline at the end of the file")
    reader = csv.reader(io.StringIO(text, newline=""))
    expected = table.spec.field_names
    previous_line = 0
    header = None
    last_key, last_key_line = None, None
    key_fields = table.spec.primary_key
    try:
        for cells in reader:
            line = previous_line + 1
            previous_line = reader.line_num
            table.record_lines.append(line)
            if header is None:
                header = cells
                if header != expected:
                    missing = [f for f in expected if f not in header]
                    extra = [f for f in header if f not in expected]
                    duplicated = sorted({f for f in header if header.count(f) > 1})
                    detail = "; ".join(part for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"unexpected {', '.join(extra)}" if extra else "",
                        f"duplicated {', '.join(duplicated)}" if duplicated else "",
                        "order differs" if not (missing or extra or duplicated) else "") if part)
                    report.add("f", path, line, name, None, f"header must be exactly the schema's fields in order ({detail})")
                    table.readable = False
                    return
                continue
            if not cells or all(cell == "" for cell in cells):
                report.add("f", path, line, name, None, "blank row")
                continue
            if len(cells) != len(header):
                report.add("f", path, line, name, None, f"row has {len(cells)} cells, the header has {len(header)}")
                continue
            row = Row(line, dict(zip(header, cells)))
            for field_name, cell in row.cells.items():
                if cell != cell.strip():
                    report.add("f", path, line, name, field_name, "cell has leading or trailing whitespace")
                if cell.startswith(FORMULA_PREFIXES):
                    report.add("f", path, line, name, field_name, f"cell starts with {cell[0]!r}: a spreadsheet would run it as a formula")
            key = tuple(row.cells[k] for k in key_fields)
            if last_key is not None and key < last_key:
                report.add("f", path, line, name, ",".join(key_fields),
                           f"rows are not sorted by primary key: {'/'.join(key)} comes after {'/'.join(last_key)} (line {last_key_line})")
            last_key, last_key_line = key, line
            table.rows.append(row)
    except csv.Error as error:
        report.add("f", path, previous_line + 1, name, None, f"malformed CSV: {error}")
        table.readable = False
    if header is None:
        report.add("f", path, 1, name, None, "file has no header line")
        table.readable = False


# ---------------------------------------------------------------- (b) frictionless

def check_frictionless(root: Path, descriptor: dict, tables: dict[str, Table], report: Report) -> None:
    from frictionless import Package  # imported here: the slowest import, needed by this layer only

    package = Package(descriptor, basepath=str(root))
    result = package.validate()
    for task in result.tasks:
        table = tables.get(task.name)
        path = table.path if table else str(task.place)
        for error in task.errors:
            field_name = getattr(error, "field_name", None) or None
            if not field_name and error.type == "foreign-key":
                note = error.note or ""
                field_name = note.split('"')[1] if note.count('"') >= 2 else None
            if not field_name and error.type == "primary-key" and table:
                field_name = ",".join(table.spec.primary_key)
            line = table.line_of_record(getattr(error, "row_number", None)) if table else getattr(error, "row_number", None)
            report.add("b", path, line, task.name, field_name, f"{error.type}: {error.note or error.message}")
    for error in result.errors:
        report.add("b", "datapackage.json", None, None, None, f"{error.type}: {error.note or error.message}")


# ---------------------------------------------------------------- (c) rows

def _typed(spec: TableSpec, cells: dict[str, str]) -> dict:
    """A CSV row as JSON Schema sees it: empty cells absent, integers and booleans typed when they parse."""
    typed = {}
    for f in spec.fields:
        cell = cells.get(f.name, "")
        if cell == "":
            continue
        if f.type == "integer" and cell.lstrip("-").isdigit():
            typed[f.name] = int(cell)
        elif f.type == "boolean" and cell in ("true", "false"):
            typed[f.name] = cell == "true"
        else:
            typed[f.name] = cell
    return typed


def _readable_error(error) -> tuple[str | None, str]:
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else None
        return missing, "is required but empty"
    if error.validator == "oneOf" and all("required" in s for s in error.validator_value):
        fields = [s["required"][0] for s in error.validator_value]
        return "|".join(fields), f"exactly one of {', '.join(fields)} must be set"
    if error.validator == "not" and "required" in error.validator_value:
        fields = error.validator_value["required"]
        return "|".join(fields), f"{' and '.join(fields)} must not both be set"
    if error.validator == "dependentRequired":
        for dependent, needed in error.validator_value.items():
            if dependent in error.instance:
                return dependent, f"{dependent} is set, so {', '.join(needed)} must be set too"
    field_name = error.absolute_path[0] if error.absolute_path else None
    if error.validator == "additionalProperties":
        return None, error.message
    return field_name, f"{error.message} ({error.validator})"


def check_rows(tables: dict[str, Table], report: Report) -> None:
    for table in tables.values():
        if not table.readable:
            continue
        validator = row_validator(table.spec)
        for row in table.rows:
            for error in validator.iter_errors(_typed(table.spec, row.cells)):
                field_name, message = _readable_error(error)
                report.add("c", table.path, row.line, table.name, field_name, message)


# ---------------------------------------------------------------- (d) provenance

@dataclass
class Seed:
    source_id: str
    path: str
    text: str
    sentence_starts: list[int] = field(default_factory=list)
    sentences: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, sentence_id), by start


def check_sources(root: Path, tables: dict[str, Table], report: Report) -> dict[str, Seed]:
    seeds: dict[str, Seed] = {}
    sources = tables.get("sources")
    if not sources or not sources.readable:
        return seeds
    for row in sources.rows:
        cells = row.cells
        relative = cells.get("path", "")
        if not relative.startswith("seeds/"):
            report.add("d", sources.path, row.line, "sources", "path", f"seed path {relative!r} must lie inside seeds/")
            continue
        seed_file, error = safe_path(root, relative, "seed path")
        if error:
            report.add("d", sources.path, row.line, "sources", "path", error)
            continue
        digest = sha256_of(seed_file)
        if digest != cells.get("sha256"):
            report.add("d", sources.path, row.line, "sources", "sha256",
                       f"{relative} has sha256 {digest}, not {cells.get('sha256')}: the seed was changed or the hash is wrong")
        try:
            text = seed_file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            report.add("d", sources.path, row.line, "sources", "path", f"{relative} is not valid UTF-8 (byte {error.start})")
            continue
        seeds[cells["source_id"]] = Seed(cells["source_id"], relative, text)
    return seeds


def _int(cell: str) -> int | None:
    return int(cell) if cell.lstrip("-").isdigit() else None


def check_sentences(tables: dict[str, Table], seeds: dict[str, Seed], report: Report) -> dict[str, tuple[str, int, int]]:
    """Every sentence equals its seed span; sentences of a seed do not overlap and cover its text."""
    index: dict[str, tuple[str, int, int]] = {}
    sentences = tables.get("sentences")
    if not sentences or not sentences.readable:
        return index
    for row in sentences.rows:
        cells = row.cells
        start, end = _int(cells.get("start", "")), _int(cells.get("end", ""))
        seed = seeds.get(cells.get("source_id"))
        if start is None or end is None or seed is None:
            continue  # reported by layers b and c
        index[cells["sentence_id"]] = (seed.source_id, start, end)
        if not 0 <= start < end <= len(seed.text):
            report.add("d", sentences.path, row.line, "sentences", "start",
                       f"span [{start}:{end}] is not inside {seed.path} (0..{len(seed.text)})")
            continue
        if seed.text[start:end] != cells.get("text"):
            report.add("d", sentences.path, row.line, "sentences", "text", f"text does not match {seed.path}[{start}:{end}]")
        seed.sentences.append((start, end, cells["sentence_id"]))
    for seed in seeds.values():
        seed.sentences.sort()
        seed.sentence_starts = [start for start, _, _ in seed.sentences]
        covered_to = 0
        for start, end, sentence_id in seed.sentences:
            if start < covered_to:
                report.add("d", sentences.path, None, "sentences", "start", f"sentence {sentence_id} overlaps the sentence before it")
            gap = seed.text[covered_to:start]
            if gap.strip() and gap.strip() != HEADER_MARKER.strip():
                report.add("d", sentences.path, None, "sentences", "text",
                           f"{seed.path}[{covered_to}:{start}] ({gap.strip()[:40]!r}) lies in no sentence")
            covered_to = max(covered_to, end)
        if seed.text[covered_to:].strip():
            report.add("d", sentences.path, None, "sentences", "text", f"{seed.path}[{covered_to}:] lies in no sentence")
    return index


def check_evidence(tables: dict[str, Table], seeds: dict[str, Seed], sentence_index: dict, report: Report) -> None:
    for table in tables.values():
        if not table.readable or not table.spec.has_evidence:
            continue
        for row in table.rows:
            cells = row.cells
            seed = seeds.get(cells.get("source_id"))
            start, end = _int(cells.get("evidence_start", "")), _int(cells.get("evidence_end", ""))
            if seed is None or start is None or end is None:
                continue  # a dangling source or a non-integer offset is reported by layers b and c
            report.evidence_spans += 1
            if not 0 <= start < end <= len(seed.text):
                report.add("d", table.path, row.line, table.name, "evidence_start",
                           f"span [{start}:{end}] is not inside {seed.path} (0..{len(seed.text)})")
                continue
            if seed.text[start:end] != cells.get("evidence"):
                report.add("d", table.path, row.line, table.name, "evidence",
                           f"evidence does not match {seed.path}[{start}:{end}] ({seed.text[start:end][:60]!r})")
            sentence = sentence_index.get(cells.get("sentence_id"))
            if sentence is None:
                continue  # dangling sentence_id: layer b
            sentence_source, sentence_start, sentence_end = sentence
            if sentence_source != seed.source_id:
                report.add("d", table.path, row.line, table.name, "sentence_id",
                           f"sentence {cells['sentence_id']} belongs to {sentence_source}, not {seed.source_id}")
            elif not sentence_start <= start < sentence_end:
                position = bisect.bisect_right(seed.sentence_starts, start) - 1
                actual = seed.sentences[position][2] if position >= 0 else None
                report.add("d", table.path, row.line, table.name, "sentence_id",
                           f"evidence starts at {start}, outside sentence {cells['sentence_id']} [{sentence_start}:{sentence_end}]"
                           + (f"; it starts in {actual}" if actual else ""))


# ---------------------------------------------------------------- driver

def run_check(descriptor_file: Path) -> Report:
    report = Report()
    descriptor = load_descriptor(descriptor_file)
    root = descriptor_file.resolve().parent
    descriptor_path = descriptor_file.name
    tables = check_descriptor(root, descriptor_path, descriptor, report)
    report.tables = len(descriptor.get("resources") or [])
    for table in tables.values():
        try:
            read_table(table, report)
        except OSError as error:
            report.add("f", table.path, None, table.name, None, f"cannot be read ({error.strerror})")
            table.readable = False
        report.rows += len(table.rows)
    descriptor_ok = not any(p.layer == "a" for p in report.problems)
    if descriptor_ok:
        check_frictionless(root, descriptor, tables, report)
    else:
        report.skipped["b"] = "skipped: the descriptor has problems (layer a)"
    check_rows(tables, report)
    seeds = check_sources(root, tables, report)
    sentence_index = check_sentences(tables, seeds, report)
    check_evidence(tables, seeds, sentence_index, report)
    context = rules.Context({name: [r.cells for r in t.rows] for name, t in tables.items() if t.readable},
                            {name: [r.line for r in t.rows] for name, t in tables.items() if t.readable},
                            {name: t.path for name, t in tables.items()},
                            {source_id: seed.text for source_id, seed in seeds.items()},
                            {name: t.spec.foreign_keys for name, t in tables.items()})
    for problem in rules.run_all(context):
        report.add("e", *problem)
    return report


def render_text(report: Report) -> str:
    lines = []
    for layer, title in LAYERS.items():
        problems = [p for p in report.problems if p.layer == layer]
        status = report.skipped.get(layer) or f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines.append(f"({layer}) {title}: {status}")
        lines.extend(f"  {p.render()}" for p in problems)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report: Report) -> str:
    verdict = "valid" if report.valid else "INVALID"
    return (f"{verdict}: {report.tables} tables, {report.rows} rows, {report.evidence_spans} evidence spans verified, "
            f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}")


def render_json(report: Report) -> str:
    return json.dumps({
        "valid": report.valid,
        "layers": [{"layer": layer, "name": title, "skipped": report.skipped.get(layer),
                    "problems": [asdict(p) for p in report.problems if p.layer == layer]} for layer, title in LAYERS.items()],
        "summary": {"tables": report.tables, "rows": report.rows, "evidence_spans": report.evidence_spans,
                    "problems": len(report.problems)},
    }, indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", help="the package descriptor (default: ./datapackage.json)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        report = run_check(Path(args.datapackage))
    except Unusable as error:
        if args.format == "json":
            print(json.dumps({"valid": False, "unusable": str(error)}))
        else:
            print(f"check: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # the promise is a message, never a traceback
        print(f"check: internal error while checking {args.datapackage}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(render_json(report) if args.format == "json" else render_text(report))
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
