"""Layer (a): datapackage.json. Its JSON, its resources and their Table Schemas, safe paths (each table at
data/<name>.csv, its JSON Schema at schemas/<name>.schema.json), nothing that would make a reader fetch anything,
valid JSON Schemas whose patterns RE2 can run, valid Unicode, safe links, and no drift from what
`make package` (scripts/package.py) derives from schemas/."""
from __future__ import annotations

import copy
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from scripts.check.inputs import (
    MAX_SCHEMA_BYTES,
    PlainYamlLoader,
    Table,
    TooLarge,
    lone_surrogates,
    read_capped,
    safe_path,
    strict_json,
)
from scripts.check.report import OUTPUT_CONTROLS, Report, clipped
from scripts.package import CSV_DIALECT as PACKAGE_DIALECT
from scripts.schemas import COMMON_SCHEMA as COMMON_SCHEMA_NAME
from scripts.schemas import SCHEMA_DIR, PackageSpec, TableSpec, table_from_json_schema

LAYER = "a"
TABLE_SCHEMA_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "time", "year", "yearmonth",
                      "array", "object", "geopoint", "geojson", "duration", "any", "list"}  # "list": Data Package v2
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
RESOURCE_NAME = re.compile(r"[-a-z0-9._/]+")  # as the Data Package standard (and Frictionless) has it
# Resource properties that would make a reader read something other than the local UTF-8 CSV at `path` (another
# file, a URL, inline data, an archive): this package's tables never use them. A `dialect` is allowed inline only.
READING_PROPERTIES = ("data", "extrapaths", "scheme", "compression", "innerpath", "control", "profiles")
STANDARD_PROFILES = {"package": {"data-package", "tabular-data-package"},
                     "resource": {"data-resource", "tabular-data-resource"}}
STANDARD_PROFILE_URLS = ("https://datapackage.org/profiles/", "https://specs.frictionlessdata.io/schemas/")
# The package's CSV conventions (scripts/csvio.py), as Data Package dialect properties: what a declared dialect
# may say, and what Frictionless is told (layer b), so that it never guesses.
CSV_DIALECT = {**{key: value for key, value in PACKAGE_DIALECT.items() if key != "$schema"},
               "headerRows": [1], "caseSensitiveHeader": True}
PACKAGE_METADATA_FILE = "package.yaml"  # in schemas/: the package-level metadata datapackage.json is made from
LINK_SCHEMES = {"http", "https"}


@dataclass
class Vetting:
    """What layer (a) read and accepted, for the other layers and for Vetted."""
    tables: dict[str, Table] = field(default_factory=dict)
    common_schema: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)  # schemas/package.yaml (or the descriptor's keys when absent)
    files: dict[str, str] = field(default_factory=dict)  # package-relative path -> sha256 of the bytes read


# ---------------------------------------------------------------- links and properties

def link_problem(value) -> str | None:
    """Why a link of the metadata (licence, source, contributor, homepage) is refused, or None: an http(s) URL
    or a path inside the package only (a `javascript:` link would run when clicked on every page)."""
    if not isinstance(value, str) or not value:
        return f"must be a non-empty string, not {clipped(repr(value))}"
    if OUTPUT_CONTROLS.search(value) or any(character.isspace() for character in value):
        return f"{clipped(repr(value))} holds whitespace, a control or an invisible formatting character"
    parts = urlsplit(value)
    if parts.scheme:
        return None if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else \
            f"{clipped(repr(value))} is not an http(s) URL with a host"
    if value.startswith(("/", "\\")) or ".." in value.split("/") or "\\" in value:
        return f"{clipped(repr(value))} is not a path inside the package"
    return None


# Keys whose value is a link wherever they stand (a resource's `path` and `jsonschema` are its files, checked apart).
LINK_KEY = re.compile(r"(?:^|[-_])(?:homepage|image|url|uri|href|path)$", re.IGNORECASE)


def _links(descriptor: dict):
    """(where, link) of every link the package and its resources give: homepage, image and any key named like a
    link, at the top and in each resource, and in their licences, sources and contributors."""
    for owner, item in [("package", descriptor)] + [(f"resources[{i}]", r) for i, r in
                                                    enumerate(descriptor.get("resources") or []) if isinstance(r, dict)]:
        for key, value in item.items():
            if isinstance(key, str) and LINK_KEY.search(key) and not (owner != "package" and key == "path"):
                yield ("homepage" if owner == "package" and key == "homepage" else f"{owner} {key}"), value
        for key in ("licenses", "sources", "contributors"):
            entries = item.get(key)
            if not isinstance(entries, list):
                continue
            for index, entry in enumerate(entries):
                if isinstance(entry, dict):
                    for field, value in entry.items():
                        if isinstance(field, str) and LINK_KEY.search(field):
                            yield f"{owner} {key}[{index}].{field}", value


def _dialect_problems(dialect) -> list[str]:
    if not isinstance(dialect, dict):
        return [f"resource dialect {clipped(repr(dialect))} is refused: a dialect is given inline, never as a path or URL"]
    found = []
    for key, value in dialect.items():
        if key == "$schema":
            if not (isinstance(value, str) and value.startswith(STANDARD_PROFILE_URLS)):
                found.append(f"dialect $schema {clipped(repr(value))} is not a standard profile: refused, never fetched")
        elif key not in CSV_DIALECT or CSV_DIALECT[key] != value:
            found.append(f"dialect {key} {clipped(repr(value))} is refused: the tables are CSV as scripts/csvio.py "
                         f"writes them ({', '.join(f'{k} {v!r}' for k, v in CSV_DIALECT.items())})")
    return found


def _reading_problems(where: str, item: dict, kind: str) -> list[str]:
    """Properties of the package or of a resource that would make a reader fetch or read anything but the
    package's own local CSV files (a custom profile is a URL Frictionless retrieves; a dialect may be one)."""
    found = []
    profile = item.get("profile")
    if profile is not None and profile not in STANDARD_PROFILES[kind]:
        found.append(f"{where} profile {clipped(repr(profile))} is not one of {', '.join(sorted(STANDARD_PROFILES[kind]))}: "
                     "custom profiles are refused, never fetched")
    schema_uri = item.get("$schema")
    if schema_uri is not None and not (isinstance(schema_uri, str) and schema_uri.startswith(STANDARD_PROFILE_URLS)):
        found.append(f"{where} $schema {clipped(repr(schema_uri))} is not a standard Data Package profile: refused, never fetched")
    if kind == "resource":
        for key in READING_PROPERTIES:
            if key in item:
                found.append(f"resource property {key!r} is refused: the tables are local UTF-8 CSV files, read from 'path' only")
        if "dialect" in item:
            found.extend(_dialect_problems(item["dialect"]))
        for key, allowed in (("format", {"csv"}), ("mediatype", {"text/csv"}), ("encoding", {"utf-8", "utf8"})):
            value = item.get(key)
            if value is not None and (not isinstance(value, str) or value.lower() not in allowed):
                found.append(f"resource {key} {clipped(repr(value))} is refused: the tables are UTF-8 CSV files")
    elif "profiles" in item:
        found.append("package property 'profiles' is refused: custom profiles are never fetched")
    return found


# ---------------------------------------------------------------- JSON Schemas

def _schema_problems(node) -> list[tuple[str, str]]:
    """(code, message) of what a JSON Schema may not hold: references to anything but itself and the shared
    schema beside it (never a URL: the check fetches nothing), and patterns RE2 cannot run."""
    from scripts.schemas import compile_pattern

    found, stack = [], [("", node)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ("$ref", "$dynamicRef", "$recursiveRef") and isinstance(value, str):
                    if key != "$ref" or not (value.startswith("#") or value.startswith(COMMON_SCHEMA_NAME + "#")):
                        found.append(("schema-unusable", f"{where}/{key} {clipped(repr(value))} refers outside the schema "
                                                         f"and its {COMMON_SCHEMA_NAME}: only local references are followed"))
                elif key == "$id" and isinstance(value, str) and (urlsplit(value).scheme or "/" in value):
                    found.append(("schema-unusable", f"{where}/$id {clipped(repr(value))} must be the schema's own file name, not a URL or a path"))
                elif key == "pattern" and isinstance(value, str):
                    try:
                        compile_pattern(value)
                    except Exception as error:  # re2.error, and RE2's own memory bound for a huge pattern
                        found.append(("unsafe-pattern", f"{where}/pattern {clipped(repr(value))} cannot be run by RE2 "
                                                        f"(linear-time regular expressions): {clipped(str(error))}"))
                    stack.append((f"{where}/{key}", value))
                else:
                    stack.append((f"{where}/{key}", value))
        elif isinstance(item, list):
            stack.extend((f"{where}/{index}", child) for index, child in enumerate(item))
    return sorted(found)


class SchemaRefused(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def load_json_schema(file: Path) -> tuple[dict, bytes]:
    """A JSON Schema file of the package and its bytes, or SchemaRefused saying why it cannot be used."""
    try:
        raw = read_capped(file, MAX_SCHEMA_BYTES)
    except TooLarge as error:
        raise SchemaRefused("file-too-large", f"it is {error.size} bytes, more than the {error.cap:,} a schema may have")
    except OSError as error:
        raise SchemaRefused("schema-unusable", error.strerror or str(error))
    try:
        schema = strict_json(raw.decode("utf-8"))
    except RecursionError:
        raise SchemaRefused("schema-unusable", "it is nested too deeply")
    except (UnicodeDecodeError, ValueError) as error:
        raise SchemaRefused("schema-unusable", clipped(str(error)))
    if not isinstance(schema, dict):
        raise SchemaRefused("schema-unusable", f"it is JSON but not an object ({type(schema).__name__})")
    surrogates = lone_surrogates(schema, text=raw.decode("utf-8"))
    if surrogates:
        raise SchemaRefused("invalid-unicode", f"{surrogates[0]} holds a lone surrogate, which is not a character")
    if schema.get("$schema") != JSON_SCHEMA_DIALECT:
        raise SchemaRefused("schema-unusable", f"its $schema must be {JSON_SCHEMA_DIALECT!r} (JSON Schema 2020-12), "
                                               f"not {clipped(repr(schema.get('$schema')))}")
    problems = _schema_problems(schema)
    for code, message in problems:  # references first: nothing else is looked at in a schema that points away
        if code == "schema-unusable":
            raise SchemaRefused(code, message)
    error = _metaschema_error(raw)
    if error:
        raise SchemaRefused("schema-unusable", error)
    if problems:
        raise SchemaRefused(*problems[0])
    return schema, raw


@functools.lru_cache(maxsize=128)
def _metaschema_error(raw: bytes) -> str | None:
    """Why a JSON Schema (its file's bytes) is not valid against the 2020-12 metaschema, or None. Validating the
    metaschema's way takes ~10 ms a schema: the answer is kept for a process that checks many copies."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(strict_json(raw))
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


# ---------------------------------------------------------------- the descriptor's Table Schemas

def _field_names_of(schema) -> set:
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        return {f.get("name") for f in schema["fields"] if isinstance(f, dict)}
    return set()


def _foreign_key_problems(schema: dict, own_fields: set, fields_of: dict[str, set]) -> list[tuple[str | None, str]]:
    """Foreign keys of a resource's Table Schema that are malformed or point at a table or field that is absent.
    fields_of: each resource's field names, computed once (a hostile schema may have a million fields)."""
    found = []
    foreign_keys = schema.get("foreignKeys", [])
    if not isinstance(foreign_keys, list):
        return [(None, f"foreignKeys must be a list, not {type(foreign_keys).__name__}")]
    for index, fk in enumerate(foreign_keys):
        reference = fk.get("reference") if isinstance(fk, dict) else None
        if not isinstance(reference, dict) or not isinstance(reference.get("resource", ""), str):  # v2: omitted = itself
            found.append((None, f"foreignKeys[{index}] must be an object with 'fields' and a 'reference' to a resource"))
            continue
        local = fk.get("fields")
        local_names = [local] if isinstance(local, str) else local if isinstance(local, list) else [None]
        label = ",".join(map(str, local_names))
        target = reference.get("resource", "")
        if target not in ("", *fields_of):
            found.append((label, f"foreign key refers to a resource {target!r} that the package does not have"))
            continue
        for name in local_names:
            if name not in own_fields:
                found.append((label, f"foreign key names a field {name!r} that this resource's schema does not have"))
        target_fields = own_fields if target == "" else fields_of[target]
        remote = reference.get("fields")
        for name in [remote] if isinstance(remote, str) else remote if isinstance(remote, list) else [None]:
            if name not in target_fields:
                found.append((label, f"foreign key refers to a field {name!r} that resource {target or '(itself)'!r} does not have"))
    return found


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
    for key in sorted(set(declared) | set(derived)):
        if key != "fields" and declared.get(key) != derived.get(key):
            found.append((None, f"{key} differs from the JSON Schema's (run `make package`)"))
    return found


# ---------------------------------------------------------------- package metadata and drift

@functools.lru_cache(maxsize=32)
def _yaml_document(raw: bytes):
    """The YAML document of these bytes (YAMLError, UnicodeDecodeError as pyyaml raises them). Kept for the process:
    pyyaml's composer is pure Python (~7 ms for package.yaml), and a process that checks many copies reads the same
    bytes each time; callers get a deep copy."""
    return yaml.load(raw.decode("utf-8"), Loader=PlainYamlLoader)


def _read_metadata(root: Path, descriptor_path: str, add, vetting: Vetting) -> dict | None:
    """schemas/package.yaml, read plainly, or None (absent, or its problem reported)."""
    relative = f"{SCHEMA_DIR}/{PACKAGE_METADATA_FILE}"
    if not (root / relative).exists() and not (root / relative).is_symlink():
        return None
    source, refusal = safe_path(root, relative, "package metadata")
    if refusal:
        add(refusal.code, descriptor_path, None, None, None, refusal.message)
        return None
    try:
        raw = read_capped(source, MAX_SCHEMA_BYTES)
        metadata = copy.deepcopy(_yaml_document(raw))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as problem:
        add("metadata-unreadable", relative, None, None, None, f"cannot be read as YAML: {clipped(' '.join(str(problem).split()))}")
        return None
    if not isinstance(metadata, dict):
        add("metadata-unreadable", relative, None, None, None, "must be a mapping of package metadata")
        return None
    surrogates = lone_surrogates(metadata)
    if surrogates:
        add("invalid-unicode", relative, None, None, None, f"{surrogates[0]} holds a lone surrogate, which is not a character")
        return None
    vetting.files[relative] = hashlib.sha256(raw).hexdigest()
    return metadata


def _drift(root: Path, descriptor_path: str, descriptor: dict, metadata: dict | None, vetting: Vetting, add) -> set[str]:
    """Compare the declared descriptor with what scripts/package.py derives from the vetted schemas and metadata;
    returns the tables whose Table Schema drifted."""
    from scripts.package import PACKAGE_KEYS, derive_descriptor

    declared_names = [r.get("name") for r in descriptor.get("resources") or [] if isinstance(r, dict)]
    relative = f"{SCHEMA_DIR}/{PACKAGE_METADATA_FILE}"
    if metadata is None:  # a package without package.yaml: its resources are what it declares
        metadata = {**{k: descriptor[k] for k in PACKAGE_KEYS if k in descriptor}, "resources": declared_names}
    vetting.metadata = metadata
    names = metadata.get("resources") if isinstance(metadata.get("resources"), list) else declared_names
    if names != declared_names:
        add("descriptor-drift", descriptor_path, None, None, None,
            f"resources differ from the list in {relative}, or their order does (run `make package`)")
    specs = [vetting.tables[name].spec for name in names if isinstance(name, str) and name in vetting.tables]
    try:
        derived = derive_descriptor(PackageSpec(root, metadata, specs, vetting.common_schema))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        add("metadata-unreadable", relative, None, None, None, f"cannot be made into a descriptor: {type(error).__name__}: {clipped(str(error))}")
        return set()
    for key in sorted((set(derived) | (set(descriptor) & set(PACKAGE_KEYS))) - {"resources"}):
        if descriptor.get(key) != derived.get(key):
            add("descriptor-drift", descriptor_path, None, None, None, f"package {key} differs from {relative} (run `make package`)")
    drifted = set()
    declared_by_name = {r["name"]: r for r in descriptor.get("resources") or [] if isinstance(r, dict) and isinstance(r.get("name"), str)}
    for expected in derived.get("resources", []):
        name = expected.get("name")
        resource = declared_by_name.get(name)
        if resource is None:
            continue
        for key in expected:
            if key in ("name", "path", "jsonschema") or resource.get(key) == expected[key]:
                continue
            drifted.add(name)
            if key == "schema" and isinstance(resource.get("schema"), dict):
                for field_name, message in _field_differences(resource["schema"], expected["schema"]):
                    add("descriptor-drift", descriptor_path, None, name, field_name, message)
            else:
                add("descriptor-drift", descriptor_path, None, name, None,
                    f"resource {key} differs from the JSON Schema's (run `make package`)")
    return drifted


# ---------------------------------------------------------------- the layer

def check_descriptor(root: Path, descriptor_path: str, descriptor: dict, report: Report,
                     duplicated_keys: list[str] = (), raw_text: str | None = None) -> Vetting:
    add = report.adder(LAYER)
    vetting = Vetting()
    for key in duplicated_keys:
        add("duplicate-key", descriptor_path, None, None, None,
            f"key {clipped(repr(key))} appears twice in one object: JSON readers disagree on which one counts")
    for where in lone_surrogates(descriptor, text=raw_text):
        add("invalid-unicode", descriptor_path, None, None, None, f"{where} holds a lone surrogate (such as \\ud800), which is not a character")
    for where, link in _links(descriptor):
        problem = link_problem(link)
        if problem:
            add("unsafe-url", descriptor_path, None, None, None, f"{where} {problem}: links must be http(s) URLs or paths inside the package")
    for message in _reading_problems("package", descriptor, "package"):
        add("refused-property", descriptor_path, None, None, None, message)
    metadata = _read_metadata(root, descriptor_path, add, vetting)
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        add("invalid-resource", descriptor_path, None, None, None, "'resources' must be a non-empty list")
        return vetting
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    name_counts: dict = {}
    for name in names:
        if isinstance(name, str):
            name_counts[name] = name_counts.get(name, 0) + 1
    fields_of = {r["name"]: _field_names_of(r.get("schema")) for r in resources
                 if isinstance(r, dict) and isinstance(r.get("name"), str)}
    common_loaded = False
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str) or not resource["name"]:
            add("invalid-resource", descriptor_path, None, None, None, f"{where} has no name")
            continue
        name = resource["name"]
        if not RESOURCE_NAME.fullmatch(name):
            add("invalid-resource", descriptor_path, None, None, None, f"{where} name {clipped(repr(name))} must hold only "
                "lower-case letters, digits and '-', '_', '.', '/'")
            continue
        if name_counts[name] > 1:
            add("invalid-resource", descriptor_path, None, name, None, f"resource name {name!r} is used {name_counts[name]} times")
            continue
        refused = _reading_problems("resource", resource, "resource")
        for message in refused:
            add("refused-property", descriptor_path, None, name, None, message)
        schema = resource.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            add("invalid-resource", descriptor_path, None, name, None,
                "resource has no schema with a list of fields (a schema given as a path or URL is not followed)")
            continue
        bad_field = bool(refused)
        field_names: set = set()  # a set: a hostile schema may declare a million fields
        for position, field_descriptor in enumerate(schema["fields"]):
            if not isinstance(field_descriptor, dict) or not isinstance(field_descriptor.get("name"), str):
                bad_field = True
                add("invalid-field", descriptor_path, None, name, None, f"schema.fields[{position}] is not a field with a name")
                continue
            field_name = field_descriptor["name"]
            field_type = field_descriptor.get("type", "string")
            if not isinstance(field_type, str) or field_type not in TABLE_SCHEMA_TYPES:
                bad_field = True
                add("invalid-field", descriptor_path, None, name, field_name, f"unknown field type {clipped(repr(field_type))}")
            if field_name in field_names:
                bad_field = True
                add("invalid-field", descriptor_path, None, name, field_name, "field name is declared twice")
            field_names.add(field_name)
        primary_key = schema.get("primaryKey", [])
        for key_field in [primary_key] if isinstance(primary_key, str) else primary_key if isinstance(primary_key, list) else [None]:
            if not isinstance(key_field, str) or key_field not in field_names:
                bad_field = True
                add("invalid-primary-key", descriptor_path, None, name, None,
                    f"primaryKey names a field {clipped(repr(key_field))} that the schema does not have")
        for field_label, message in _foreign_key_problems(schema, field_names, fields_of):
            bad_field = True
            add("invalid-foreign-key", descriptor_path, None, name, field_label, message)
        spec_paths = TableSpec(name, "", "", {}, [], [])  # where the package's readers look for this table
        data_file, refusal = safe_path(root, resource.get("path"), "resource path")
        if refusal:
            add(refusal.code, descriptor_path, None, name, None, refusal.message)
            continue
        if resource["path"] != spec_paths.data_path:
            add("unexpected-path", descriptor_path, None, name, None, f"resource path {resource['path']!r} must be "
                f"{spec_paths.data_path!r}: the build, the metadata and the release read the table there")
            continue
        schema_file, refusal = safe_path(root, resource.get("jsonschema"), "jsonschema path")
        if refusal:
            add(refusal.code, descriptor_path, None, name, None, refusal.message)
            continue
        schema_path = resource["jsonschema"]
        if schema_path != spec_paths.schema_path:
            add("unexpected-path", descriptor_path, None, name, None, f"jsonschema path {schema_path!r} must be "
                f"{spec_paths.schema_path!r}: the build, the metadata and the codebook read the schema there")
            continue
        try:
            json_schema, raw = load_json_schema(schema_file)
            vetting.files[schema_path] = hashlib.sha256(raw).hexdigest()
            if not common_loaded:
                common_relative = f"{SCHEMA_DIR}/{COMMON_SCHEMA_NAME}"
                common_path, refusal = safe_path(root, common_relative, "shared schema")
                if refusal:
                    raise SchemaRefused(refusal.code, refusal.message)
                try:
                    vetting.common_schema, common_raw = load_json_schema(common_path)
                except SchemaRefused as common_error:
                    raise SchemaRefused(common_error.code, f"{common_relative}: {common_error}")
                vetting.files[common_relative] = hashlib.sha256(common_raw).hexdigest()
                common_loaded = True
            _check_table_keywords(json_schema)
            spec = table_from_json_schema(name, json_schema, vetting.common_schema)
        except SchemaRefused as error:
            add(error.code, schema_path, None, name, None, f"JSON Schema cannot be used: {clipped(str(error))}")
            continue
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            detail = f"{error!s} is missing" if isinstance(error, KeyError) else str(error)
            add("schema-unusable", schema_path, None, name, None, f"JSON Schema cannot be used: {clipped(detail)}")
            continue
        table = Table(spec, resource["path"], data_file, schema_path=schema_path)
        vetting.tables[name] = table
        if bad_field:
            table.readable = False  # kept for the drift comparison, then dropped below
    for required in ("sources", "sentences"):
        if required not in name_counts:
            add("missing-resource", descriptor_path, None, required, None, f"the package has no {required!r} resource, which provenance needs")
    drifted = _drift(root, descriptor_path, descriptor, metadata, vetting, add)
    vetting.tables = {name: table for name, table in vetting.tables.items() if table.readable and name not in drifted}
    return vetting
