"""The table contract, read from its one source: schemas/*.schema.json (JSON Schema, one per table) and
schemas/package.yaml (package-level metadata). Everything else that describes a field (the Table Schemas in
datapackage.json, Datasette metadata, the codebook) is derived from what this module returns."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

SCHEMA_DIR = "schemas"
COMMON_SCHEMA = "common.schema.json"
PROVENANCE_FIELDS = ("source_id", "sentence_id", "evidence_start", "evidence_end", "evidence")
# JSON Schema keywords that map one-to-one onto Table Schema constraints.
CONSTRAINT_KEYWORDS = ("pattern", "enum", "minLength", "maxLength", "minimum", "maximum")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # Table Schema type: string, integer, boolean, date, datetime
    required: bool
    title: str
    description: str
    constraints: dict

    @property
    def enum(self):
        return self.constraints.get("enum")


@dataclass
class TableSpec:
    name: str
    title: str
    description: str
    json_schema: dict  # as written, with its $refs
    fields: list[FieldSpec]
    primary_key: list[str]
    foreign_keys: list[dict] = field(default_factory=list)
    common_schema: dict = field(default_factory=dict, repr=False)  # what its $refs point into

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def has_evidence(self) -> bool:
        return all(name in self.field_names for name in PROVENANCE_FIELDS)

    @property
    def schema_path(self) -> str:
        return f"{SCHEMA_DIR}/{self.name}.schema.json"

    @property
    def data_path(self) -> str:
        return f"data/{self.name}.csv"

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


def _table_schema_type(prop: dict) -> str:
    json_type = prop.get("type", "string")
    if json_type == "string":
        return {"date": "date", "date-time": "datetime"}.get(prop.get("format"), "string")
    return json_type


def _resolve(prop: dict, common: dict) -> dict:
    """Merge a property's local $ref into it (the property's own keywords win)."""
    ref = prop.get("$ref")
    if not ref:
        return dict(prop)
    target, _, pointer = ref.partition("#")
    if target != COMMON_SCHEMA or not pointer.startswith("/$defs/"):
        raise ValueError(f"unsupported $ref {ref!r}: only {COMMON_SCHEMA}#/$defs/NAME is used")
    merged = dict(common["$defs"][pointer.removeprefix("/$defs/")])
    merged.update({k: v for k, v in prop.items() if k != "$ref"})
    return merged


def table_from_json_schema(name: str, schema: dict, common: dict) -> TableSpec:
    required = set(schema.get("required", []))
    fields = []
    for field_name, raw in schema["properties"].items():
        prop = _resolve(raw, common)
        constraints = {k: prop[k] for k in CONSTRAINT_KEYWORDS if k in prop}
        fields.append(FieldSpec(field_name, _table_schema_type(prop), field_name in required,
                                prop.get("title", field_name), prop.get("description", ""), constraints))
    return TableSpec(name, schema["title"], schema["description"], schema, fields,
                     list(schema["x-primaryKey"]), list(schema.get("x-foreignKeys", [])), common)


@functools.lru_cache(maxsize=1024)  # jsonschema asks for a field's pattern once a row
def compile_pattern(pattern: str):
    """A schema's `pattern` compiled by RE2, which runs in time linear in the text: no pattern can backtrack for
    ever ('^(a|a)*$' on 41 'a's takes Python's re hours). re2.error for what RE2 cannot run (backreferences,
    lookarounds): the check refuses such a pattern."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the check says what is wrong with a pattern; RE2 would also print it to stderr
    return re2.compile(pattern, options)


def _re2_pattern(validator, pattern, instance, schema):
    """jsonschema's `pattern` keyword, run by RE2."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _validator_class():
    """Draft 2020-12 with patterns run by RE2: a class made once (jsonschema builds it anew at each extend())."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {"pattern": _re2_pattern})


def row_validator(table: TableSpec):
    """A compiled JSON Schema validator for the table's rows (formats such as date checked, patterns by RE2)."""
    from jsonschema import FormatChecker
    from referencing import Registry, Resource

    registry = Registry().with_resource(COMMON_SCHEMA, Resource.from_contents(table.common_schema))
    return _validator_class()(table.json_schema, registry=registry, format_checker=FormatChecker())


# The keywords the quick row test understands; a schema with any other keyword is left to jsonschema alone.
_ANNOTATIONS = {"title", "description", "$comment", "examples", "default"}
_QUICK_PROPERTY_KEYWORDS = {"type", "pattern", "enum", "minLength", "maxLength", "minimum", "maximum", "format"}
_QUICK_TOP_KEYWORDS = {"$schema", "$id", "type", "properties", "required", "additionalProperties", "oneOf", "not",
                       "dependentRequired", "x-primaryKey", "x-foreignKeys"}
_PYTHON_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool}  # a number cell is typed float


def _quick_property(prop: dict, common: dict):
    """(python type, regex, enum, minLength, maxLength, minimum, maximum, format) of a property, or None."""
    if "$ref" in prop:
        target, _, pointer = prop["$ref"].partition("#")
        if target != COMMON_SCHEMA or not pointer.startswith("/$defs/"):
            return None
        shared = common["$defs"].get(pointer.removeprefix("/$defs/"))
        if not isinstance(shared, dict) or "$ref" in shared:
            return None
        local = {k: v for k, v in prop.items() if k != "$ref"}
        # Both the $ref and its siblings apply in JSON Schema: merging is exact unless they disagree.
        if any(k not in _ANNOTATIONS and k in shared and shared[k] != v for k, v in local.items()):
            return None
        prop = {**shared, **local}
    if set(prop) - _ANNOTATIONS - _QUICK_PROPERTY_KEYWORDS or prop.get("type") not in _PYTHON_TYPES:
        return None
    python_type = _PYTHON_TYPES[prop["type"]]
    enum = prop.get("enum")
    if enum is not None and not isinstance(enum, list):
        return None
    is_string, is_number = python_type is str, python_type in (int, float)
    return (python_type, compile_pattern(prop["pattern"]).search if is_string and "pattern" in prop else None,
            None if enum is None else frozenset(e for e in enum if type(e) is python_type),
            prop.get("minLength") if is_string else None, prop.get("maxLength") if is_string else None,
            prop.get("minimum") if is_number else None, prop.get("maximum") if is_number else None, prop.get("format"))


def _required_lists(schemas) -> list[list[str]] | None:
    if not isinstance(schemas, list) or not all(isinstance(s, dict) and set(s) == {"required"} for s in schemas):
        return None
    return [list(s["required"]) for s in schemas]


def quick_row_test(table: TableSpec, format_checker):
    """A fast test of a typed row (as the check builds it) against the table's JSON Schema, compiled into plain
    Python: True only when jsonschema would find no error in the row. jsonschema spends most of its time per row
    resolving $refs and building child validators; this test does the same checks about 20 times faster. Rows it
    rejects go to jsonschema, which words the messages. None when the schema uses a keyword it does not know."""
    schema = table.json_schema
    if set(schema) - _ANNOTATIONS - _QUICK_TOP_KEYWORDS or schema.get("type", "object") != "object":
        return None
    if schema.get("additionalProperties", True) not in (True, False):
        return None
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        compiled = _quick_property(prop, table.common_schema)
        if compiled is None:
            return None
        properties[name] = compiled
    closed = schema.get("additionalProperties", True) is False
    required = list(schema.get("required", []))
    one_of = _required_lists(schema["oneOf"]) if "oneOf" in schema else []
    forbidden = _required_lists([schema["not"]]) if "not" in schema else []
    dependent = schema.get("dependentRequired", {})
    if one_of is None or forbidden is None or not isinstance(dependent, dict):
        return None
    conforms = format_checker.conforms

    def test(row: dict) -> bool:
        for name, value in row.items():
            compiled = properties.get(name)
            if compiled is None:
                if closed:
                    return False
                continue
            python_type, search, enum, min_length, max_length, minimum, maximum, format_name = compiled
            if type(value) is not python_type:
                return False
            if search is not None and search(value) is None:
                return False
            if enum is not None and value not in enum:
                return False
            if min_length is not None and len(value) < min_length or max_length is not None and len(value) > max_length:
                return False
            if minimum is not None and value < minimum or maximum is not None and value > maximum:
                return False
            if format_name is not None and not conforms(value, format_name):
                return False
        if not all(name in row for name in required):
            return False
        if one_of and sum(all(name in row for name in names) for names in one_of) != 1:
            return False
        if any(all(name in row for name in names) for names in forbidden):
            return False
        return all(all(name in row for name in needed) for key, needed in dependent.items() if key in row)

    return test


@dataclass
class PackageSpec:
    root: Path
    metadata: dict
    tables: list[TableSpec]
    common: dict

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)

    @cached_property
    def by_name(self) -> dict[str, TableSpec]:
        return {t.name: t for t in self.tables}


def load_spec(root: Path | str = ".") -> PackageSpec:
    root = Path(root)
    metadata = yaml.safe_load((root / SCHEMA_DIR / "package.yaml").read_text(encoding="utf-8"))
    common = json.loads((root / SCHEMA_DIR / COMMON_SCHEMA).read_text(encoding="utf-8"))
    tables = []
    for name in metadata["resources"]:
        schema = json.loads((root / SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
        tables.append(table_from_json_schema(name, schema, common))
    return PackageSpec(root, metadata, tables, common)


# Table Schema v2 profile of the descriptors scripts/package.py writes (datapackage.org/standard/table-schema).
TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
# A date-time without offset (the seed gives none): Table Schema's default datetime format needs a 'Z' in v1, so
# such a field carries its pattern explicitly, which v1 and v2 readers both understand.
LOCAL_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"
LOCAL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def table_schema(table: TableSpec) -> dict:
    """The Frictionless Table Schema (v2 syntax) of a table, derived from its JSON Schema: keys as arrays, a
    self-reference without 'resource' (Table Schema v2; v1 readers resolve it too, tested in tests/clients)."""
    fields = []
    for f in table.fields:
        descriptor = {"name": f.name, "type": f.type}
        if f.type == "datetime" and f.constraints.get("pattern") == LOCAL_DATETIME_PATTERN:
            descriptor["format"] = LOCAL_DATETIME_FORMAT
        descriptor.update({"title": f.title, "description": f.description})
        constraints = dict(f.constraints)
        if f.type != "string":  # patterns and lengths apply to strings only in Table Schema
            for key in ("pattern", "minLength", "maxLength"):
                constraints.pop(key, None)
        if f.required:
            constraints = {"required": True, **constraints}
        if constraints:
            descriptor["constraints"] = constraints
        fields.append(descriptor)
    foreign_keys = []
    for fk in table.foreign_keys:
        ref = fk["reference"]
        reference = {} if ref["resource"] == table.name else {"resource": ref["resource"]}
        reference["fields"] = _as_list(ref["fields"])
        foreign_keys.append({"fields": _as_list(fk["fields"]), "reference": reference})
    schema = {"$schema": TABLE_SCHEMA_PROFILE, "fields": fields, "missingValues": [""],
              "primaryKey": list(table.primary_key)}
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _as_list(names) -> list[str]:
    return [names] if isinstance(names, str) else list(names)
