"""Stage 4 of the pipeline: check a data package and tell the curator exactly what is wrong and where.

    python -m scripts.check [DATAPACKAGE] [--format text|json]

Layers, each reported separately:
  (a) descriptor    datapackage.json: JSON, resources, safe paths, nothing fetched or read but local CSVs, valid
                    JSON Schemas, Table Schemas and metadata equal to those of schemas/ (no drift)
  (b) frictionless  the official Frictionless validation of every table, keys and foreign keys included
  (c) rows          every row against its table's JSON Schema (types, patterns, enums, rules between fields)
  (d) provenance    seeds' sha256, paths and header lines, sentences against their seed (text, line, order),
                    every evidence span
  (e) rules         rules across tables (names in the seed, leaders, sizes, dates, quotes, usage)
  (f) hygiene       UTF-8 without BOM, '\\n' line ends, final newline, exact header, no blank rows, well-formed
                    quoting, no padded, formula-like or control characters in cells, rows sorted by primary key
Output: one line per problem, `path:line: [table.field] message`, grouped by layer, then a summary line.
Exit status: 0 valid, 1 invalid, 2 unusable input (descriptor missing, unreadable or not JSON).
Every file of the package is untrusted input (SECURITY.md): the check reads only regular files inside the package
directory, refuses URLs, absolute paths, '..' and links leading out, never opens a network connection (Frictionless
is handed a descriptor rebuilt from what layer a vetted), streams the CSVs in bounded memory, lists at most
MAX_LISTED_PER_FILE problems per file and layer, prints control characters escaped, and never writes a file.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import functools
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from scripts import rules
from scripts.schemas import (COMMON_SCHEMA as COMMON_SCHEMA_NAME, PROVENANCE_FIELDS, SCHEMA_DIR, TableSpec,
                             quick_row_test, row_validator, table_from_json_schema, table_schema)
from scripts.seeds import HEADER_MARKER, parse_header

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
# A cell starting with one of these is run as a formula by spreadsheets (some also read the full-width forms).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # '-5' is a number to a spreadsheet, not a formula
ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}")  # what an integer cell may hold ('３' and '²' are digits to Python)
ASCII_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")  # what a number cell may hold
# Control characters are never data here (a line break inside a quoted cell aside); in output they are shown
# escaped, so that a hostile file cannot drive the terminal nor break the one-line-per-problem format.
# Bidirectional overrides and isolates reorder what a reader sees ('Trojan Source'); U+2028/9 and U+FEFF hide.
INVISIBLE = "\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff"
CELL_CONTROLS = re.compile(f"[\\x00-\\x09\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{INVISIBLE}]")
OUTPUT_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{INVISIBLE}]")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
RESOURCE_NAME = re.compile(r"[-a-z0-9._/]+")  # as the Data Package standard (and Frictionless) has it
MAX_CELL_CHARS = 2_000_000  # a bound for csv's field size, so a huge cell is a message, not a crash
MAX_HEADER_BYTES = 65_536  # a header line longer than this is not the schema's fields
# Memory for the rows that layers b-e hold, as estimated by table_bytes: twice what 1,000 curated articles take
# (212,000 rows). A table past it (50 MB of tiny rows, say) is still read whole for hygiene, and says so.
MAX_KEPT_BYTES = 600_000_000
MAX_DESCRIPTOR_BYTES = 16_000_000  # a descriptor is a few kB; /dev/zero or a huge file is refused, not read
MAX_LISTED_PER_FILE = 200  # problems listed per layer and file (all are counted): a hostile file stays a short report
MAX_MESSAGE_CHARS = 400  # a message quoting a 1 MB cell is cut in its middle
# Resource properties that would make Frictionless read something other than the local UTF-8 CSV at `path`
# (another file, a URL, inline data, an archive): this package's tables never use them.
READING_PROPERTIES = ("data", "extrapaths", "scheme", "compression", "innerpath", "dialect", "control", "profiles")
STANDARD_PROFILES = {"package": {"data-package", "tabular-data-package"},
                     "resource": {"data-resource", "tabular-data-resource"}}
PACKAGE_METADATA_FILE = "package.yaml"  # in schemas/: the package-level metadata datapackage.json is made from


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
        return printable(f"{where}: {what}{self.message}")


def printable(text) -> str:
    """Text with control characters escaped (a NUL or an ESC of a hostile file is shown, never sent raw)."""
    return OUTPUT_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}" if ord(match.group()) > 0xff
                               else f"\\x{ord(match.group()):02x}", str(text))


def clipped(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    keep = MAX_MESSAGE_CHARS // 2
    return f"{message[:keep]} …[{len(message) - 2 * keep} characters cut]… {message[-keep:]}"


@dataclass(slots=True)  # one per row of every table: slots keep a large table's memory down
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
    # Record position (header = 1) -> physical line, kept sparse: (position, lines spanned so far by earlier
    # records' line breaks) where that changes, so a table of millions of one-line rows costs nothing here.
    record_shifts: list[tuple[int, int]] = field(default_factory=list)
    schema_path: str = ""  # its JSON Schema, as the descriptor names it
    rows_read: int = 0  # well-formed data rows, kept or not
    too_large: bool = False  # its rows would overflow MAX_KEPT_BYTES: layers b-e leave it out

    @property
    def name(self) -> str:
        return self.spec.name

    def note_record(self, position: int, line: int) -> None:
        shift = line - position
        if shift != (self.record_shifts[-1][1] if self.record_shifts else 0):
            self.record_shifts.append((position, shift))

    def line_of_record(self, position: int | None) -> int | None:
        if position is None:
            return None
        index = bisect.bisect_right(self.record_shifts, (position, float("inf"))) - 1
        return position + (self.record_shifts[index][1] if index >= 0 else 0)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    evidence_spans: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # layer -> seconds, printed by --timings only
    # (b runs in a child process beside c-f where it can; 'waiting for b' is then this process's wait for it)

    omitted: dict[tuple[str, str], int] = field(default_factory=dict)  # (layer, path) -> counted but not listed
    listed: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def add(self, layer, path, line, table, field_name, message):
        key = (layer, path)
        if self.listed.get(key, 0) >= MAX_LISTED_PER_FILE:
            self.omitted[key] = self.omitted.get(key, 0) + 1
            return
        self.listed[key] = self.listed.get(key, 0) + 1
        self.problems.append(Problem(layer, path, line, table, field_name, clipped(str(message))))

    def count(self, layer: str | None = None) -> int:
        """Problems found (listed or not), in one layer or in all."""
        return sum(n for (each, _), n in self.listed.items() if layer in (None, each)) + \
            sum(n for (each, _), n in self.omitted.items() if layer in (None, each))

    @property
    def valid(self) -> bool:
        return not self.problems and not self.omitted


# ---------------------------------------------------------------- paths

def safe_path(root: Path, relative, what: str) -> tuple[Path | None, str | None]:
    """Resolve a path of the descriptor inside the package root, or say why it is refused."""
    if not isinstance(relative, str) or not relative:
        return None, f"{what} must be a non-empty string path, not {type(relative).__name__} {clipped(repr(relative))}"
    # Any scheme ('https:', 'file:', 'data:', 'zip:' ...) is a URL to Frictionless, which would fetch it.
    if "://" in relative or urlsplit(relative).scheme:
        return None, f"{what} {relative!r} is a URL: only files inside the package are read, nothing is fetched"
    candidate = Path(relative)
    if candidate.is_absolute() or relative.startswith(("/", "\\")):
        return None, f"{what} {relative!r} is absolute: paths must be relative to the package"
    if ".." in candidate.parts or ".." in relative.split("\\"):
        return None, f"{what} {relative!r} climbs out of the package with '..'"
    if "\\" in relative or "\x00" in relative:
        return None, f"{what} {relative!r} holds a backslash or a NUL: write paths with '/' only"
    try:
        resolved = (root / candidate).resolve()
        if not resolved.is_relative_to(root.resolve()):
            return None, f"{what} {relative!r} leads outside the package (a symbolic link?)"
        if not resolved.exists():
            return None, f"{what} {relative!r} does not exist"
        if not resolved.is_file():
            return None, f"{what} {relative!r} is not a regular file"
    except (OSError, RuntimeError) as error:  # a name too long, a loop of symbolic links
        return None, f"{what} {relative!r} cannot be used: {getattr(error, 'strerror', None) or error}"
    return resolved, None


# ---------------------------------------------------------------- (a) descriptor

def _repeated(items: list) -> set:
    """The items that occur more than once (in linear time: a hostile header may have a million names)."""
    return {item for item, count in Counter(items).items() if count > 1}


def _not_json(constant: str):
    raise ValueError(f"{constant} is not a JSON value")


def load_descriptor(path: Path, duplicated_keys: list | None = None) -> dict:
    """The descriptor as a dict, or Unusable. Keys repeated within one object are appended to duplicated_keys
    (JSON parsers disagree on which of two 'path's counts)."""
    def pairs_hook(pairs):
        keys = [key for key, _ in pairs]
        if duplicated_keys is not None:
            duplicated_keys.extend(sorted(_repeated(keys)))
        return dict(pairs)

    try:
        if not path.exists():
            raise Unusable(f"{path}: no such file")
        if path.is_dir():
            raise Unusable(f"{path}: is a directory, not a datapackage.json")
        if not path.is_file():
            raise Unusable(f"{path}: is not a regular file (a device or a pipe?), not a datapackage.json")
        size = path.stat().st_size
        if size > MAX_DESCRIPTOR_BYTES:
            raise Unusable(f"{path}: is {size} bytes, too large for a data package descriptor")
        raw = path.read_bytes()
    except OSError as error:
        raise Unusable(f"{path}: cannot be read ({error.strerror or error})")
    try:
        descriptor = json.loads(raw.decode("utf-8-sig"), parse_constant=_not_json, object_pairs_hook=pairs_hook)
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise Unusable(f"{path}: is not JSON ({clipped(str(error))})")
    except RecursionError:
        raise Unusable(f"{path}: is not usable JSON (nested too deeply)")
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
    if not found and [f.get("name") if isinstance(f, dict) else None for f in declared.get("fields", [])] != list(derived_fields):
        found.append((None, "field order differs from the JSON Schema (run `make package`)"))
    for key in ("primaryKey", "foreignKeys", "missingValues"):
        if declared.get(key) != derived.get(key):
            found.append((None, f"{key} differs from the JSON Schema's (run `make package`)"))
    return found


def _reading_problems(where: str, item: dict, kind: str) -> list[str]:
    """Properties of the package or of a resource that would make Frictionless fetch or read anything but the
    package's own local CSV files (a custom profile is a URL it retrieves; a dialect may be one)."""
    found = []
    profile = item.get("profile")
    if profile is not None and profile not in STANDARD_PROFILES[kind]:
        found.append(f"{where} profile {clipped(repr(profile))} is not one of {', '.join(sorted(STANDARD_PROFILES[kind]))}: "
                     "custom profiles are refused, never fetched")
    schema_uri = item.get("$schema")
    if schema_uri is not None and not (isinstance(schema_uri, str) and schema_uri.startswith(
            ("https://datapackage.org/profiles/", "https://specs.frictionlessdata.io/schemas/"))):
        found.append(f"{where} $schema {clipped(repr(schema_uri))} is not a standard Data Package profile: refused, never fetched")
    if kind == "resource":
        for key in READING_PROPERTIES:
            if key in item:
                found.append(f"resource property {key!r} is refused: the tables are local UTF-8 CSV files, read from 'path' only")
        for key, allowed in (("format", {"csv"}), ("mediatype", {"text/csv"}), ("encoding", {"utf-8", "utf8"})):
            value = item.get(key)
            if value is not None and (not isinstance(value, str) or value.lower() not in allowed):
                found.append(f"resource {key} {clipped(repr(value))} is refused: the tables are UTF-8 CSV files")
    elif "profiles" in item:
        found.append("package property 'profiles' is refused: custom profiles are never fetched")
    return found


def _schema_reference_problems(node, where: str = "") -> list[str]:
    """A JSON Schema may refer only to itself ('#...') or to the shared schema beside it: never to a URL
    (the check fetches nothing) nor to another file."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef", "$recursiveRef") and isinstance(value, str):
                if key != "$ref" or not (value.startswith("#") or value.startswith(COMMON_SCHEMA_NAME + "#")):
                    found.append(f"{where}/{key} {clipped(repr(value))} refers outside the schema and its "
                                 f"{COMMON_SCHEMA_NAME}: only local references are followed")
            elif key == "$id" and isinstance(value, str) and (urlsplit(value).scheme or "/" in value):
                found.append(f"{where}/$id {clipped(repr(value))} must be the schema's own file name, not a URL or a path")
            else:
                found.extend(_schema_reference_problems(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_schema_reference_problems(item, f"{where}/{index}"))
    return found


def _load_json_schema(file: Path) -> dict:
    """A JSON Schema file of the package, or ValueError saying why it cannot be used."""
    duplicated: list[str] = []

    def pairs_hook(pairs):
        keys = [key for key, _ in pairs]
        duplicated.extend(sorted(_repeated(keys)))
        return dict(pairs)

    text = file.read_text(encoding="utf-8")
    try:
        schema = json.loads(text, parse_constant=_not_json, object_pairs_hook=pairs_hook)
    except RecursionError:
        raise ValueError("it is nested too deeply")
    if duplicated:
        raise ValueError(f"key {clipped(repr(duplicated[0]))} appears twice in one object: JSON readers disagree on which one counts")
    if not isinstance(schema, dict):
        raise ValueError(f"it is JSON but not an object ({type(schema).__name__})")
    if schema.get("$schema") != JSON_SCHEMA_DIALECT:
        raise ValueError(f"its $schema must be {JSON_SCHEMA_DIALECT!r} (JSON Schema 2020-12), not {clipped(repr(schema.get('$schema')))}")
    references = _schema_reference_problems(schema)
    if references:
        raise ValueError(references[0])
    error = _metaschema_error(text)
    if error:
        raise ValueError(error)
    return schema


@functools.lru_cache(maxsize=128)
def _metaschema_error(text: str) -> str | None:
    """Why a JSON Schema (its file's text) is not valid against the 2020-12 metaschema, or None. Validating the
    metaschema's way takes ~10 ms a schema: the answer is kept for a process that checks many copies."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(json.loads(text))  # also checks that every pattern is a valid regex
    except SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path)
        return f"it is not a valid JSON Schema at /{where}: {clipped(error.message)}"
    return None


def _names(value) -> list | None:
    """A Table Schema's field names: one name or a list of them; None when it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    return None


def _check_table_keywords(schema: dict) -> None:
    """The keywords of a table's JSON Schema that JSON Schema itself does not check: ValueError when unusable."""
    for key in ("title", "description"):
        if not isinstance(schema.get(key), str):
            raise ValueError(f"its {key!r} must be a string")
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        raise ValueError("its 'properties' must name the table's fields")
    primary_key = _names(schema.get("x-primaryKey"))
    if primary_key is None or any(name not in properties for name in primary_key):
        raise ValueError(f"its 'x-primaryKey' must list fields of its properties, not {clipped(repr(schema.get('x-primaryKey')))}")
    foreign_keys = schema.get("x-foreignKeys", [])
    if not isinstance(foreign_keys, list):
        raise ValueError("its 'x-foreignKeys' must be a list")
    for index, fk in enumerate(foreign_keys):
        reference = fk.get("reference") if isinstance(fk, dict) else None
        local = _names(fk.get("fields")) if isinstance(fk, dict) else None
        if local is None or not isinstance(reference, dict) or not isinstance(reference.get("resource"), str) \
                or _names(reference.get("fields")) is None:
            raise ValueError(f"its x-foreignKeys[{index}] must be {{fields, reference: {{resource, fields}}}}")
        if any(name not in properties for name in local):
            raise ValueError(f"its x-foreignKeys[{index}] names a field that is not among its properties")


def _foreign_key_problems(schema: dict, resources: dict[str, dict]) -> list[tuple[str | None, str]]:
    """Foreign keys of a resource's Table Schema that are malformed or point at a table or field that is absent."""
    found = []
    foreign_keys = schema.get("foreignKeys", [])
    if not isinstance(foreign_keys, list):
        return [(None, f"foreignKeys must be a list, not {type(foreign_keys).__name__}")]
    own_fields = {f.get("name") for f in schema["fields"] if isinstance(f, dict)}
    for index, fk in enumerate(foreign_keys):
        reference = fk.get("reference") if isinstance(fk, dict) else None
        if not isinstance(reference, dict) or not isinstance(reference.get("resource"), str):
            found.append((None, f"foreignKeys[{index}] must be an object with 'fields' and a 'reference' to a resource"))
            continue
        local = fk.get("fields")
        local_names = [local] if isinstance(local, str) else local if isinstance(local, list) else [None]
        label = ",".join(map(str, local_names))
        target = reference["resource"]
        if target not in ("", *resources):
            found.append((label, f"foreign key refers to a resource {target!r} that the package does not have"))
            continue
        for name in local_names:
            if name not in own_fields:
                found.append((label, f"foreign key names a field {name!r} that this resource's schema does not have"))
        target_schema = schema if target == "" else resources[target].get("schema")
        target_fields = {f.get("name") for f in target_schema.get("fields", []) if isinstance(f, dict)} \
            if isinstance(target_schema, dict) and isinstance(target_schema.get("fields"), list) else set()
        remote = reference.get("fields")
        for name in [remote] if isinstance(remote, str) else remote if isinstance(remote, list) else [None]:
            if name not in target_fields:
                found.append((label, f"foreign key refers to a field {name!r} that resource {target or '(itself)'!r} does not have"))
    return found


def _metadata_drift(root: Path, descriptor: dict, descriptor_path: str) -> list[tuple[str, str]]:
    """How the descriptor's package-level metadata and resource order differ from schemas/package.yaml, their one
    source, when the package has that file (a licence or a title edited in datapackage.json alone is drift)."""
    from scripts.package import PACKAGE_KEYS

    relative = f"{SCHEMA_DIR}/{PACKAGE_METADATA_FILE}"
    if not os.path.lexists(root / relative):
        return []
    source, error = safe_path(root, relative, "package metadata")
    if error:
        return [(descriptor_path, error)]
    try:
        if source.stat().st_size > MAX_DESCRIPTOR_BYTES:
            return [(relative, "too large for package metadata")]
        metadata = yaml.load(source.read_text(encoding="utf-8"), Loader=_PlainYamlLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as problem:
        return [(relative, f"cannot be read as YAML: {clipped(' '.join(str(problem).split()))}")]
    if not isinstance(metadata, dict):
        return [(relative, "must be a mapping of package metadata")]
    found = [(descriptor_path, f"package {key} differs from {relative} (run `make package`)")
             for key in PACKAGE_KEYS if key in metadata and descriptor.get(key) != metadata[key]]
    declared = [r.get("name") for r in descriptor.get("resources") or [] if isinstance(r, dict)]
    if isinstance(metadata.get("resources"), list) and declared != metadata["resources"]:
        found.append((descriptor_path, f"resources differ from the list in {relative}, or their order does (run `make package`)"))
    return found


class _PlainYamlLoader(yaml.SafeLoader):
    """YAML's safe loader without anchors and aliases: nested aliases ('billion laughs') expand exponentially
    when the result is compared, and plain metadata never needs them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in package metadata")
        return super().compose_node(parent, index)


def check_descriptor(root: Path, descriptor_path: str, descriptor: dict, report: Report) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for message in _reading_problems("package", descriptor, "package"):
        report.add("a", descriptor_path, None, None, None, message)
    for path, message in _metadata_drift(root, descriptor, descriptor_path):
        report.add("a", path, None, None, None, message)
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        report.add("a", descriptor_path, None, None, None, "'resources' must be a non-empty list")
        return tables
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    name_counts = Counter(name for name in names if isinstance(name, str))
    by_name = {r["name"]: r for r in resources if isinstance(r, dict) and isinstance(r.get("name"), str)}
    common_cache: dict[Path, dict] = {}
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str) or not resource["name"]:
            report.add("a", descriptor_path, None, None, None, f"{where} has no name")
            continue
        name = resource["name"]
        if not RESOURCE_NAME.fullmatch(name):
            report.add("a", descriptor_path, None, None, None, f"{where} name {clipped(repr(name))} must hold only "
                       "lower-case letters, digits and '-', '_', '.', '/'")
            continue
        if name_counts[name] > 1:
            report.add("a", descriptor_path, None, name, None, f"resource name {name!r} is used {name_counts[name]} times")
            continue
        refused = _reading_problems("resource", resource, "resource")
        for message in refused:
            report.add("a", descriptor_path, None, name, None, message)
        schema = resource.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            report.add("a", descriptor_path, None, name, None,
                       "resource has no schema with a list of fields (a schema given as a path or URL is not followed)")
            continue
        bad_field = bool(refused)
        field_names = []
        for position, field_descriptor in enumerate(schema["fields"]):
            if not isinstance(field_descriptor, dict) or not isinstance(field_descriptor.get("name"), str):
                bad_field = True
                report.add("a", descriptor_path, None, name, None, f"schema.fields[{position}] is not a field with a name")
                continue
            field_name = field_descriptor["name"]
            field_type = field_descriptor.get("type", "string")
            if field_type not in TABLE_SCHEMA_TYPES:
                bad_field = True
                report.add("a", descriptor_path, None, name, field_name, f"unknown field type {clipped(repr(field_type))}")
            if field_name in field_names:
                bad_field = True
                report.add("a", descriptor_path, None, name, field_name, "field name is declared twice")
            field_names.append(field_name)
        primary_key = schema.get("primaryKey", [])
        for key_field in [primary_key] if isinstance(primary_key, str) else primary_key if isinstance(primary_key, list) else [None]:
            if key_field not in field_names:
                bad_field = True
                report.add("a", descriptor_path, None, name, None, f"primaryKey names a field {clipped(repr(key_field))} that the schema does not have")
        for field_label, message in _foreign_key_problems(schema, by_name):
            bad_field = True
            report.add("a", descriptor_path, None, name, field_label, message)
        data_file, error = safe_path(root, resource.get("path"), "resource path")
        if error:
            report.add("a", descriptor_path, None, name, None, error)
            continue
        schema_file, error = safe_path(root, resource.get("jsonschema"), "jsonschema path")
        if error:
            report.add("a", descriptor_path, None, name, None, error)
            continue
        schema_path = resource["jsonschema"]
        try:
            json_schema = _load_json_schema(schema_file)
            common_file = schema_file.parent / COMMON_SCHEMA_NAME
            if common_file not in common_cache:
                common_relative = common_file.relative_to(root.resolve()).as_posix()
                common_path, error = safe_path(root, common_relative, "shared schema")
                if error:
                    raise ValueError(error)
                try:
                    common_cache[common_file] = _load_json_schema(common_path)
                except (OSError, UnicodeDecodeError, ValueError) as common_error:
                    raise ValueError(f"{common_relative}: {common_error}")
            _check_table_keywords(json_schema)
            spec = table_from_json_schema(name, json_schema, common_cache[common_file])
            derived = table_schema(spec)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            detail = error.strerror if isinstance(error, OSError) and error.strerror else \
                f"{error!s} is missing" if isinstance(error, KeyError) else str(error)
            report.add("a", schema_path, None, name, None, f"JSON Schema cannot be used: {clipped(detail)}")
            continue
        for field_name, message in _field_differences(schema, derived):
            report.add("a", descriptor_path, None, name, field_name, message)
            bad_field = True
        for key, expected in (("title", spec.title), ("description", spec.description)):
            if resource.get(key) != expected:
                report.add("a", descriptor_path, None, name, None, f"resource {key} differs from the JSON Schema's (run `make package`)")
        if bad_field:
            continue
        tables[name] = Table(spec, resource["path"], data_file, schema_path=schema_path)
    for required in ("sources", "sentences"):
        if required not in names:
            report.add("a", descriptor_path, None, required, None, f"the package has no {required!r} resource, which provenance needs")
    return tables


# ---------------------------------------------------------------- reading + (f) hygiene

class _StopReading(Exception):
    """The file cannot be read as text any further (its problem is already reported)."""


LONE_CARRIAGE_RETURN = re.compile(r"(?<=\r)(?!\n)")


def _text_lines(table: Table, report: Report, seen: dict):
    """The file's lines, decoded one at a time so that any size is read in bounded memory, with the encoding
    and line-end problems of layer f reported as they are met. A lone '\r' ends a line, as for csv and editors."""
    path, name = table.path, table.name
    number, offset = 0, 0
    with open(table.file, "rb") as handle:
        for raw in handle:
            if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
                report.add("f", path, 1, name, None, "file starts with a byte-order mark (BOM): save as UTF-8 without BOM")
                raw, offset = raw[3:], 3
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                report.add("f", path, number + 1, name, None, f"invalid UTF-8 at byte {offset + error.start}: the file must be UTF-8")
                raise _StopReading
            offset += len(raw)
            seen["final_newline"] = text.endswith("\n")
            for line in (LONE_CARRIAGE_RETURN.split(text) if "\r" in text else (text,)):
                if not line:
                    continue
                number += 1
                if "\r" in line and not seen.get("carriage_return"):
                    seen["carriage_return"] = True
                    report.add("f", path, number, name, None, "carriage return found: line ends must be '\\n' only")
                if CELL_CONTROLS.search(line):
                    seen.setdefault("control_lines", set()).add(number)
                if '"' in line:
                    seen.setdefault("quotes", {})[number] = line.count('"')
                yield line
    seen["lines"] = number


def _bare_quote(cells: list[str], quotes_in_text: int) -> bool:
    """Whether the record's text holds a quotation mark outside a quoted cell ('a,b"c,d'), which csv reads
    leniently: a quoted cell spends two marks on its ends and two on each mark inside it."""
    if not quotes_in_text:
        return False
    inside = sum(cell.count('"') for cell in cells)
    return inside > 0 and (quotes_in_text < 2 * inside or (quotes_in_text - 2 * inside) % 2 == 1)


def table_bytes(table: Table) -> int:
    """About the memory a table's rows take once read (a row and its dict, each cell a string), from its size
    and a fast count of its line ends; what Frictionless keeps of it grows alike."""
    lines = 0
    with open(table.file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return table.file.stat().st_size + lines * (250 + 60 * len(table.spec.field_names))


def mark_too_large(tables: dict[str, Table]) -> None:
    """Mark the tables whose rows would not fit in MAX_KEPT_BYTES, before anything reads them, so that layer b
    (which starts first, beside the others) and layers c-e leave out the same tables."""
    kept = 0
    for table in tables.values():
        try:
            size = table_bytes(table)
        except OSError:
            continue  # reported when the table is read
        if kept + size > MAX_KEPT_BYTES:
            table.too_large = True
        else:
            kept += size


def read_table(table: Table, report: Report) -> None:
    """Read one CSV once, streaming: record hygiene problems (layer f) and keep the rows for layers c-e."""
    path, name = table.path, table.name
    seen: dict = {}
    reader = csv.reader(_text_lines(table, report, seen), strict=True)  # strict: a broken quote is an error, not a guess
    expected = table.spec.field_names
    previous_line = 0
    header = None
    last_key, last_key_line = None, None
    key_fields = table.spec.primary_key
    keeping = not table.too_large  # a table past the memory budget is read for hygiene only
    limit = csv.field_size_limit(MAX_CELL_CHARS)  # restored below: Frictionless sets its own
    try:
        for position, cells in enumerate(reader, start=1):
            line = previous_line + 1
            previous_line = reader.line_num
            table.note_record(position, line)
            quotes = seen.get("quotes")
            if quotes and _bare_quote(cells, sum(quotes.pop(n, 0) for n in range(line, previous_line + 1))):
                report.add("f", path, line, name, None, "a quotation mark stands in a cell that is not quoted: "
                           'wrap the cell in quotation marks and double the one inside ("" for ")')
            if header is None:
                header = cells
                if header != expected:
                    missing = [f for f in expected if f not in header]
                    extra = [f for f in header if f not in expected]
                    duplicated = sorted(_repeated(header))
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
                if cell.startswith(FORMULA_PREFIXES) and not NUMBER.fullmatch(cell):
                    report.add("f", path, line, name, field_name, f"cell starts with {cell[0]!r}: a spreadsheet would run it as a formula")
            control_lines = seen.get("control_lines")
            if control_lines and any(number in control_lines for number in range(line, previous_line + 1)):
                for field_name, cell in row.cells.items():
                    found = CELL_CONTROLS.search(cell)
                    if found:
                        report.add("f", path, line, name, field_name,
                                   f"cell holds U+{ord(found.group()):04X}, a control or invisible formatting character: "
                                   "cells are plain text")
            key = tuple(row.cells[k] for k in key_fields)
            if last_key is not None and key < last_key:
                report.add("f", path, line, name, ",".join(key_fields),
                           f"rows are not sorted by primary key: {'/'.join(key)} comes after {'/'.join(last_key)} (line {last_key_line})")
            last_key, last_key_line = key, line
            table.rows_read += 1
            if keeping:
                table.rows.append(row)
    except csv.Error as error:
        reason = {"unexpected end of data": "a quoted cell that starts on this line is never closed"}.get(str(error), str(error))
        report.add("f", path, previous_line + 1, name, None, f"malformed CSV: {reason}")
        table.readable = False
        return
    except _StopReading:
        table.readable = False
        table.rows.clear()
        return
    finally:
        csv.field_size_limit(limit)
    if table.too_large:
        report.add("f", path, 1, name, None, f"the table's {seen.get('lines', 0):,} lines would take more than the "
                   f"{MAX_KEPT_BYTES // 10**6} MB of memory the check gives the package's rows: it is read for hygiene only")
        table.readable = False
    if header is None:
        report.add("f", path, 1, name, None, "file is empty: it needs at least the header line")
        table.readable = False
    elif not seen.get("final_newline", True):
        report.add("f", path, seen["lines"], name, None, "no final newline at the end of the file")


# ---------------------------------------------------------------- (b) frictionless

def frictionless_findings(root: str, descriptor: dict) -> tuple[list[tuple], float]:
    """Frictionless's validation of the package, as plain tuples (they may cross a process boundary):
    (task name or None, task place, error type, note, message, field name, row number); and its seconds."""
    started = time.perf_counter()
    from frictionless import FrictionlessException, Package  # imported here: the slowest import, needed by this layer only

    try:
        result = Package(descriptor, basepath=root).validate()
    except FrictionlessException as exception:  # a descriptor it refuses outright (a bad name, say) is a finding
        error = exception.error
        notes = [f"{error.note}: {reason.note}" for reason in exception.reasons or []] or [error.note]
        return [(None, None, error.type, note, error.message, None, None) for note in notes], time.perf_counter() - started
    findings = [(task.name, str(task.place), error.type, error.note, error.message,
                 getattr(error, "field_name", None), getattr(error, "row_number", None))
                for task in result.tasks for error in task.errors]
    findings += [(None, None, error.type, error.note, error.message, None, None) for error in result.errors]
    return findings, time.perf_counter() - started


def _frictionless_child(root: str, descriptor: dict, sender) -> None:
    try:
        sender.send(("done", *frictionless_findings(root, descriptor)))
    except BaseException as error:  # said to the parent, which reports it like any internal error
        sender.send(("failed", f"{type(error).__name__}: {error}", 0.0))
    finally:
        sender.close()


def start_frictionless(root: Path, descriptor: dict):
    """Start layer b, by far the slowest, in a child process, so that it runs on a second core while this
    process reads the CSVs and runs layers c-f. None where there is one core or no fork: it then runs in-process."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")  # fork: the child needs nothing re-imported or pickled in
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_frictionless_child, args=(str(root), descriptor, sender), daemon=True)
    child.start()
    sender.close()
    return child, receiver


def finish_frictionless(started) -> tuple[list[tuple], float]:
    child, receiver = started
    try:
        status, payload, seconds = receiver.recv()
    except EOFError:
        status, payload, seconds = "failed", None, 0.0
    finally:
        receiver.close()
    child.join()
    if status != "done":
        raise RuntimeError(payload or f"the Frictionless validation stopped (exit status {child.exitcode})")
    return payload, seconds


PACKAGE_METADATA = ("name", "id", "title", "description", "homepage", "version", "created", "keywords", "licenses",
                    "contributors", "sources")
RESOURCE_METADATA = ("title", "description", "licenses", "sources", "bytes", "hash")


def _header_is_exact(table: Table) -> bool:
    """Whether the CSV's first line, read alone and bounded, is exactly the schema's fields. A table whose header
    is wrong is layer f's to report, with its line; Frictionless is not handed it, since a hostile header (a
    million names) costs it minutes and gigabytes, and its findings on such a table are left out anyway."""
    try:
        with open(table.file, "rb") as handle:
            first = handle.readline(MAX_HEADER_BYTES)
        header = next(csv.reader([first.decode("utf-8").removeprefix("\ufeff")]), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return header == table.spec.field_names


def frictionless_descriptor(descriptor: dict, tables: dict[str, Table]) -> dict:
    """What Frictionless is given: the package's metadata and the tables that layer a accepted and whose header
    is right, each a local CSV at its vetted path with the Table Schema derived from its JSON Schema (equal to
    the descriptor's, or layer a says so), and nothing that could make it fetch or read anything else: no
    profile, dialect or URL."""
    by_name = {r["name"]: r for r in descriptor["resources"] if isinstance(r, dict) and isinstance(r.get("name"), str)}
    handed = {name: table for name, table in tables.items() if not table.too_large and _header_is_exact(table)}
    resources = []
    for table in handed.values():
        schema = table_schema(table.spec)
        if "foreignKeys" in schema:  # keys into a table left out cannot be looked up (layer f says why)
            schema["foreignKeys"] = [fk for fk in schema["foreignKeys"] if fk["reference"]["resource"] in ("", *handed)]
            if not schema["foreignKeys"]:
                del schema["foreignKeys"]
        original = by_name[table.name]
        resources.append({"name": table.name, "path": table.path, "profile": "tabular-data-resource", "format": "csv",
                          "encoding": "utf-8", "schema": schema,
                          **{key: original[key] for key in RESOURCE_METADATA if key in original}})
    return {**{key: descriptor[key] for key in PACKAGE_METADATA if key in descriptor},
            "profile": "tabular-data-package", "resources": resources}


# Frictionless errors about reading a file: on a table layer f read well they come from a lookup table it could not.
READING_ERRORS = {"encoding-error", "source-error", "scheme-error", "format-error", "compression-error", "io-error"}


def check_frictionless(root: Path, descriptor: dict, tables: dict[str, Table], report: Report, findings=None,
                       descriptor_path: str = "datapackage.json") -> None:
    """Report Frictionless's findings (those of frictionless_findings, computed here when not given). A table
    that layer f could not read (bad UTF-8, wrong header, broken CSV) is reported there, with its line: what
    Frictionless says of it, or of the rows whose foreign keys look it up, is left out rather than said twice."""
    if findings is None:
        findings, _ = frictionless_findings(str(root), frictionless_descriptor(descriptor, tables))
    unreadable = {name for name, table in tables.items() if not table.readable}
    looks_up_unreadable = {name for name, table in tables.items()
                           if any(fk["reference"]["resource"] in unreadable for fk in table.spec.foreign_keys)}
    for task_name, place, error_type, note, message, field_name, row_number in findings:
        if task_name is None:
            report.add("b", descriptor_path, None, None, None, f"{error_type}: {note or message}")
            continue
        if task_name in unreadable:
            continue
        if task_name in looks_up_unreadable and (
                error_type in READING_ERRORS and row_number is None
                or error_type == "foreign-key" and any(f'lookup table "{name}"' in (note or "") for name in unreadable)):
            continue
        table = tables.get(task_name)
        path = table.path if table else place
        field_name = field_name or None
        if not field_name and error_type == "foreign-key":
            field_name = (note or "").split('"')[1] if (note or "").count('"') >= 2 else None
        if not field_name and error_type == "primary-key" and table:
            field_name = ",".join(table.spec.primary_key)
        line = table.line_of_record(row_number) if table else row_number
        report.add("b", path, line, task_name, field_name, f"{error_type}: {note or message}")


# ---------------------------------------------------------------- (c) rows

def _typed(spec: TableSpec, cells: dict[str, str]) -> dict:
    """A CSV row as JSON Schema sees it: empty cells absent, integers and booleans typed when they parse."""
    typed = {}
    for f in spec.fields:
        cell = cells.get(f.name, "")
        if cell == "":
            continue
        if f.type == "integer" and (number := _int(cell)) is not None:
            typed[f.name] = number
        elif f.type == "boolean" and cell in ("true", "false"):
            typed[f.name] = cell == "true"
        elif f.type == "number" and (number := _number(cell)) is not None:
            typed[f.name] = number
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
        try:
            validator = row_validator(table.spec)
            quick = quick_row_test(table.spec, validator.format_checker)  # jsonschema words the errors of rows it rejects
            for row in table.rows:
                typed = _typed(table.spec, row.cells)
                if quick is not None and quick(typed):
                    continue
                for error in validator.iter_errors(typed):
                    field_name, message = _readable_error(error)
                    report.add("c", table.path, row.line, table.name, field_name, message)
        except Exception as error:  # a schema that passed layer a but cannot be applied (a '$ref' to nowhere, say)
            report.add("c", table.schema_path or table.spec.schema_path, None, table.name, None,
                       f"JSON Schema cannot be applied to the rows: {type(error).__name__}: {clipped(str(error))}")


# ---------------------------------------------------------------- (d) provenance

@dataclass
class Seed:
    source_id: str
    path: str
    text: str
    sentence_starts: list[int] = field(default_factory=list)
    sentences: list[tuple[int, int, str, int]] = field(default_factory=list)  # (start, end, sentence_id, line), by start
    line_starts: list[int] = field(default_factory=list)  # offset of each line of text, computed on first use

    def line_at(self, offset: int) -> int:
        """The 1-based line of the text that holds this offset."""
        if not self.line_starts:
            self.line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        return bisect.bisect_right(self.line_starts, offset)


def check_sources(root: Path, tables: dict[str, Table], report: Report) -> dict[str, Seed]:
    seeds: dict[str, Seed] = {}
    sources = tables.get("sources")
    if not sources or not sources.readable:
        return seeds
    first_by_file: dict[Path, tuple[str, int]] = {}  # seed file -> (source_id, line) of its first source
    first_by_digest: dict[str, tuple[str, int]] = {}
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
        if seed_file in first_by_file:
            other, line = first_by_file[seed_file]
            report.add("d", sources.path, row.line, "sources", "path",
                       f"{relative} is already the seed of {other} (line {line}): one seed, one source")
            continue
        first_by_file[seed_file] = (cells["source_id"], row.line)
        try:
            raw = seed_file.read_bytes()
        except OSError as error:
            report.add("d", sources.path, row.line, "sources", "path", f"{relative} cannot be read ({error.strerror or error})")
            continue
        digest = hashlib.sha256(raw).hexdigest()
        if cells.get("sha256") and digest != cells["sha256"]:  # an empty hash is layer c's
            report.add("d", sources.path, row.line, "sources", "sha256",
                       f"{relative} has sha256 {digest}, not {cells['sha256']}: the seed was changed or the hash is wrong")
        if digest in first_by_digest:
            other, line = first_by_digest[digest]
            report.add("d", sources.path, row.line, "sources", "sha256",
                       f"{relative} has the same bytes as the seed of {other} (line {line}): one seed, one source")
        first_by_digest.setdefault(digest, (cells["source_id"], row.line))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            report.add("d", sources.path, row.line, "sources", "path", f"{relative} is not valid UTF-8 (byte {error.start})")
            continue
        _check_header_fields(sources.path, row, relative, text, report)
        seeds[cells["source_id"]] = Seed(cells["source_id"], relative, text)
    return seeds


def _check_header_fields(path: str, row: Row, relative: str, text: str, report: Report) -> None:
    """A sources row's title, author, published and section are read off its seed's header lines: they must say
    what the seed says."""
    try:
        header = parse_header(text)
    except ValueError as error:
        report.add("d", path, row.line, "sources", "path", f"{relative} has no readable header lines: {error}")
        return
    for column, value in (("title", header.title), ("author", header.author), ("published", header.published),
                          ("section", header.section)):
        if column in row.cells and row.cells[column] != value:
            report.add("d", path, row.line, "sources", column,
                       f"{column} {row.cells[column]!r} is not what the header lines of {relative} give: {value!r}")


def _number(cell: str) -> float | None:
    """The number a number cell holds, or None: a plain ASCII decimal (no exponent, no 'nan' or 'inf')."""
    return float(cell) if ASCII_DECIMAL.fullmatch(cell) else None


def _int(cell: str) -> int | None:
    """The integer an integer cell holds, or None: ASCII digits only, since '３' and '²' are digits to Python."""
    return int(cell) if ASCII_INTEGER.fullmatch(cell) else None


def _span_problem(start: int, end: int, seed: Seed, start_field: str, end_field: str) -> tuple[str, str] | None:
    """(field, message) when [start:end] is no span of the seed's text."""
    if start >= end:
        return end_field, f"span [{start}:{end}] is empty or reversed: {end_field} must be greater than {start_field}"
    if start < 0:
        return start_field, f"span [{start}:{end}] starts before the start of {seed.path}: offsets count from 0"
    if end > len(seed.text):
        return end_field, f"span [{start}:{end}] ends past the end of {seed.path} ({len(seed.text)} characters)"
    return None


def check_sentences(tables: dict[str, Table], seeds: dict[str, Seed], report: Report) -> dict[str, tuple[str, int, int]]:
    """Every sentence equals its seed span, on one line of the seed (its paragraph); sentences of a seed do not
    overlap, cover its text, and are numbered by their order in it (position, and the id made from it)."""
    index: dict[str, tuple[str, int, int]] = {}
    sentences = tables.get("sentences")
    if not sentences or not sentences.readable:
        return index
    cells_of: dict[str, dict] = {}
    for row in sentences.rows:
        cells = row.cells
        start, end = _int(cells.get("start", "")), _int(cells.get("end", ""))
        seed = seeds.get(cells.get("source_id"))
        if start is None or end is None or seed is None:
            continue  # reported by layers b and c
        index[cells["sentence_id"]] = (seed.source_id, start, end)
        wrong = _span_problem(start, end, seed, "start", "end")
        if wrong:
            report.add("d", sentences.path, row.line, "sentences", *wrong)
            continue
        if seed.text[start:end] != cells.get("text"):
            report.add("d", sentences.path, row.line, "sentences", "text", f"text does not match {seed.path}[{start}:{end}]")
        line_of_seed = seed.line_at(start)
        if "\n" in seed.text[start:end]:
            report.add("d", sentences.path, row.line, "sentences", "end",
                       f"span [{start}:{end}] runs over the end of line {line_of_seed} of {seed.path}: a sentence lies on one line")
        elif cells.get("paragraph") != str(line_of_seed):
            report.add("d", sentences.path, row.line, "sentences", "paragraph",
                       f"paragraph {cells.get('paragraph')} is not the line of {seed.path} the sentence is on: {line_of_seed}")
        if (cells.get("kind") == "headline") != (line_of_seed == 1):
            report.add("d", sentences.path, row.line, "sentences", "kind",
                       f"kind {cells.get('kind')!r}: the sentence on the seed's first line is its headline, and only that one")
        cells_of[cells["sentence_id"]] = cells
        seed.sentences.append((start, end, cells["sentence_id"], row.line))
    for seed in seeds.values():
        seed.sentences.sort()
        seed.sentence_starts = [sentence[0] for sentence in seed.sentences]
        width = max(3, len(str(len(seed.sentences))))
        for position, (start, _, sentence_id, line) in enumerate(seed.sentences, start=1):
            if cells_of[sentence_id].get("position") != str(position):
                report.add("d", sentences.path, line, "sentences", "position",
                           f"position {cells_of[sentence_id].get('position')} is not the sentence's place in {seed.path}: "
                           f"it starts at {start}, sentence {position} of {len(seed.sentences)}")
            elif sentence_id != f"{seed.source_id}-s{position:0{width}d}":
                report.add("d", sentences.path, line, "sentences", "sentence_id",
                           f"sentence_id must be {seed.source_id}-s{position:0{width}d}: the source, 's' and the position")
        covered_to, previous = 0, None
        for start, end, sentence_id, line in seed.sentences:
            if start < covered_to:
                report.add("d", sentences.path, line, "sentences", "start",
                           f"sentence {sentence_id} [{start}:{end}] overlaps sentence {previous} (which ends at {covered_to})")
            gap = seed.text[covered_to:start]
            if gap.strip() and gap.strip() != HEADER_MARKER.strip():
                report.add("d", sentences.path, line, "sentences", "start",
                           f"{seed.path}[{covered_to}:{start}] ({gap.strip()[:40]!r}) lies in no sentence of "
                           f"{seed.source_id}: the gap ends where sentence {sentence_id} starts")
            if end > covered_to:
                covered_to, previous = end, sentence_id
        if seed.text[covered_to:].strip():
            report.add("d", sentences.path, None, "sentences", "text",
                       f"{seed.path}[{covered_to}:] lies in no sentence of {seed.source_id}"
                       + ("" if seed.sentences else ": the source has no sentences (run `make sentences`)"))
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
            wrong = _span_problem(start, end, seed, "evidence_start", "evidence_end")
            if wrong:
                report.add("d", table.path, row.line, table.name, *wrong)
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
    clock = time.perf_counter()

    def lap(layer: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.timings[layer] = report.timings.get(layer, 0.0) + now - clock
        clock = now

    duplicated_keys: list[str] = []
    descriptor = load_descriptor(descriptor_file, duplicated_keys)
    root = descriptor_file.resolve().parent
    descriptor_path = descriptor_file.name
    for key in duplicated_keys:
        report.add("a", descriptor_path, None, None, None, f"key {clipped(repr(key))} appears twice in one object: "
                   "JSON readers disagree on which one counts")
    tables = check_descriptor(root, descriptor_path, descriptor, report)
    report.tables = len(descriptor.get("resources") or [])
    descriptor_ok = not any(p.layer == "a" for p in report.problems)
    mark_too_large(tables)
    vetted = frictionless_descriptor(descriptor, tables) if descriptor_ok else None
    frictionless = start_frictionless(root, vetted) if descriptor_ok else None
    lap("a")
    for table in tables.values():
        try:
            read_table(table, report)
        except OSError as error:
            report.add("f", table.path, None, table.name, None, f"cannot be read ({error.strerror})")
            table.readable = False
        report.rows += table.rows_read
    lap("f")
    check_rows(tables, report)
    lap("c")
    seeds = check_sources(root, tables, report)
    sentence_index = check_sentences(tables, seeds, report)
    check_evidence(tables, seeds, sentence_index, report)
    lap("d")
    context = rules.Context({name: [r.cells for r in t.rows] for name, t in tables.items() if t.readable},
                            {name: [r.line for r in t.rows] for name, t in tables.items() if t.readable},
                            {name: t.path for name, t in tables.items()},
                            {source_id: seed.text for source_id, seed in seeds.items()},
                            {name: t.spec.foreign_keys for name, t in tables.items()},
                            _unavailable_tables(descriptor, tables),
                            {name: t.spec.primary_key for name, t in tables.items()})
    for problem in rules.run_all(context):
        report.add("e", *problem)
    lap("e")
    if frictionless is not None:
        findings, report.timings["b"] = finish_frictionless(frictionless)
        check_frictionless(root, descriptor, tables, report, findings, descriptor_path)
        lap("waiting for b")
    elif descriptor_ok:
        check_frictionless(root, descriptor, tables, report, frictionless_findings(str(root), vetted)[0], descriptor_path)
        lap("b")
    else:
        report.skipped["b"] = "skipped: the descriptor has problems (layer a)"
    return report


def _unavailable_tables(descriptor: dict, tables: dict[str, Table]) -> frozenset[str]:
    """Tables the package declares that layers c-e cannot see (refused by layer a, or unreadable): rules that
    count rows of other tables must not read their absence as 'no rows'."""
    declared = {r.get("name") for r in descriptor.get("resources") or [] if isinstance(r, dict)}
    return frozenset(name if isinstance(name, str) else "?" for name in declared
                     if name not in tables or not tables[name].readable)


def render_text(report: Report) -> str:
    lines = []
    for layer, title in LAYERS.items():
        problems = [p for p in report.problems if p.layer == layer]
        count = report.count(layer)
        status = report.skipped.get(layer) or f"{count} problem{'s' if count != 1 else ''}"
        lines.append(f"({layer}) {title}: {status}")
        lines.extend(f"  {p.render()}" for p in problems)
        lines.extend(printable(f"  {path}: … and {omitted} more problems in this file, not listed")
                     for (each, path), omitted in report.omitted.items() if each == layer)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report: Report) -> str:
    verdict = "valid" if report.valid else "INVALID"
    count = report.count()
    return (f"{verdict}: {report.tables} tables, {report.rows} rows, {report.evidence_spans} evidence spans verified, "
            f"{count} problem{'s' if count != 1 else ''}")


def render_json(report: Report) -> str:
    return json.dumps({
        "valid": report.valid,
        "layers": [{"layer": layer, "name": title, "skipped": report.skipped.get(layer),
                    "problems": [asdict(p) for p in report.problems if p.layer == layer],
                    "not_listed": {path: n for (each, path), n in report.omitted.items() if each == layer}}
                   for layer, title in LAYERS.items()],
        "summary": {"tables": report.tables, "rows": report.rows, "evidence_spans": report.evidence_spans,
                    "problems": report.count()},
    }, indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", help="the package descriptor (default: ./datapackage.json)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--timings", action="store_true",
                        help="also print each layer's seconds to stderr, as one JSON line 'timings {...}' (for make bench)")
    args = parser.parse_args(argv)
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        report = run_check(Path(args.datapackage))
    except Unusable as error:
        if args.format == "json":
            print(json.dumps({"valid": False, "unusable": str(error)}))
        else:
            print(printable(f"check: {error}"), file=sys.stderr)
        return 2
    except Exception as error:  # the promise is a message, never a traceback
        print(printable(f"check: internal error while checking {args.datapackage}: {type(error).__name__}: {clipped(str(error))}"),
              file=sys.stderr)
        return 2
    sys.stdout.write(render_json(report) if args.format == "json" else render_text(report))
    if args.timings:
        print("timings " + json.dumps({layer: round(seconds, 4) for layer, seconds in report.timings.items()}), file=sys.stderr)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
