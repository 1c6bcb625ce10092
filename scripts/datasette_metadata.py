"""Stage "Datasette": the Datasette metadata of the database, generated, never typed twice.

    python -m scripts.datasette_metadata [--root .] [--database NAME]   # print it as JSON

Where each part comes from:
  - title, description, license, source, about: schemas/package.yaml (and data/sources.csv for the article's id);
  - all of the package as the check read it (scripts.check.checked_package): no file of it is read here;
  - per table: title and description, and each column's description, from schemas/<table>.schema.json;
  - label_column, facets, sort order, hidden: datasette/tables.yaml; fts_table where the build made an index;
  - views: datasette/views.yaml (columns named "table.field" take that field's description);
  - canned queries: datasette/queries.yaml.
The build stores the result in the database (table datasette_metadata), less the canned queries (stored_form), and
scripts/datasette_app.py shows what it stored with the project's canned queries (served_form); both hold the stored
form to datasette/metadata.schema.json (metadata_problems).
"""
from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from pathlib import Path

import yaml

from scripts.build_sqlite import ADDED_OBJECTS
from scripts.check import Vetted, checked_package
from scripts.datasette_config import (
    EVIDENCE_VIEW,
    METADATA_SCHEMA,
    PLUGIN_NAME,
    QUERIES_CONFIG,
    SOURCE_TEXTS,
    STYLESHEET,
    TABLES_CONFIG,
    VIEWS_CONFIG,
    article_path,
)
from scripts.entity_kinds import ENTITY_KINDS
from scripts.schemas import FieldSpec, PackageSpec

FIELD_REFERENCE = re.compile(r"^(?P<table>[a-z_]+)\.(?P<field>[a-z_]+)$")
GENERATED_TABLE_KEYS = ("title", "description", "columns", "fts_table", "fts_pk")  # made here, from schemas/


@functools.cache
def metadata_schema() -> dict:
    """datasette/metadata.schema.json: the shape of the metadata, and so of what a table may set (project code)."""
    return json.loads(METADATA_SCHEMA.read_text(encoding="utf-8"))


# What datasette/tables.yaml may set for a table: every key the schema allows a table but those generated here
PRESENTATION_KEYS = tuple(key for key in metadata_schema()["$defs"]["table"]["properties"]
                          if key not in GENERATED_TABLE_KEYS)
QUERY_KEYS = ("title", "description", "sql", "params", "hide_sql")


def column_description(field: FieldSpec) -> str:
    text = f"{field.title}: {field.description}" if field.title and field.title != field.name else field.description
    if field.type == "boolean":
        text += " Stored as 1 (true) or 0 (false)."
    return text


def resolve_description(spec: PackageSpec, text: str) -> str:
    """A view column's words: "table.field" (or "common.definition") borrows that field's description."""
    match = FIELD_REFERENCE.match(text)
    if not match:
        return text
    table, field = match["table"], match["field"]
    if table == "common":
        definition = spec.common["$defs"].get(field)
        if definition is None:
            raise ValueError(f"{text!r} names no definition of schemas/common.schema.json")
        return f"{definition.get('title', field)}: {definition['description']}"
    if table not in spec.by_name or field not in spec.table(table).field_names:
        raise ValueError(f"{text!r} names no field of schemas/")
    return column_description(spec.table(table).field(field))


def table_entries(spec: PackageSpec, presentation: dict) -> dict:
    tables = {}
    for table in spec.tables:
        entry = {"title": table.title, "description": table.description,
                 "columns": {f.name: column_description(f) for f in table.fields}}
        settings = presentation.get(table.name) or {}
        entry.update({key: settings[key] for key in PRESENTATION_KEYS if key in settings})
        if settings.get("search"):
            entry["fts_table"] = f"{table.name}_fts"
            entry["fts_pk"] = "rowid"
        tables[table.name] = entry
    for name, added in ADDED_OBJECTS.items():
        entry = {"title": added["title"], "description": added["description"],
                 "columns": {column: resolve_description(spec, text) for column, text in added["columns"].items()}}
        entry.update({key: value for key, value in (presentation.get(name) or {}).items() if key in PRESENTATION_KEYS})
        tables[name] = entry
    return tables


def view_entries(spec: PackageSpec, views: dict) -> dict:
    entries = {}
    for name, view in views.items():
        entries[name] = {"title": view["title"], "description": view["description"],
                         "columns": {column: resolve_description(spec, text)
                                     for column, text in (view.get("columns") or {}).items()}}
    return entries


def plugin_config(spec: PackageSpec, views: dict) -> dict:
    """What the article plugin needs to know of the database, derived here rather than written in the plugin."""
    return {
        "texts_table": SOURCE_TEXTS,
        "evidence_view": EVIDENCE_VIEW,
        # in views and query results, a column named like a table's one-column key links to that row
        "key_columns": {t.primary_key[0]: t.name for t in spec.tables if len(t.primary_key) == 1},
        "views": sorted([*views, EVIDENCE_VIEW]),
        "stylesheet": STYLESHEET,
        "entity_kinds": {kind.table: {"key": kind.key, "label": kind.label, "route": kind.route}
                         for kind in ENTITY_KINDS if kind.table in spec.by_name},
        "span_entities": span_entity_links(spec),
        "row_pointers": row_pointers(spec),
    }


def row_pointers(spec: PackageSpec) -> list[dict]:
    """Tables that point at any row by (table_name, row_key) (citations, source_note_rows): the spans of which table
    (`spans`, keyed by `key`) concern what the pointed row concerns."""
    pointers = []
    for table in spec.tables:
        if not {"table_name", "row_key"} <= set(table.field_names):
            continue
        if table.has_evidence:
            pointers.append({"table": table.name, "spans": table.name, "key": table.primary_key})
            continue
        for foreign_key in table.foreign_keys:
            target = spec.by_name.get(foreign_key["reference"]["resource"])
            if target is not None and target.has_evidence and len(_fields(foreign_key)) == 1:
                pointers.append({"table": table.name, "spans": target.name, "key": _fields(foreign_key)})
    return pointers


def _fields(foreign_key: dict) -> list[str]:
    fields = foreign_key["fields"]
    return [fields] if isinstance(fields, str) else list(fields)


def entity_columns(spec: PackageSpec, table) -> list[list[str]]:
    """[column, entity table] for each of the table's foreign keys to an entity table (and its own key if it is one)."""
    entity_tables = {kind.table for kind in ENTITY_KINDS}
    columns = [[table.primary_key[0], table.name]] if table.name in entity_tables else []
    for foreign_key in table.foreign_keys:
        target = foreign_key["reference"]["resource"]
        if target in entity_tables and len(_fields(foreign_key)) == 1:
            columns.append([_fields(foreign_key)[0], target])
    return columns


def span_entity_links(spec: PackageSpec) -> dict:
    """For each table with evidence: the columns that name the entities its rows concern, directly or through an
    association table whose key starts with the row's (an event's participants and places, a delegation's members). The article's
    entity filter ("show only Bilawal Bhutto-Zardari") and the entity pages follow these links."""
    links = {}
    for table in spec.tables:
        if not table.has_evidence:
            continue
        through = []
        for child in spec.tables:
            for foreign_key in child.foreign_keys:
                on = _fields(foreign_key)
                if (foreign_key["reference"]["resource"] == table.name and on == child.primary_key[:1]
                        and child.name != table.name):
                    columns = [c for c in entity_columns(spec, child) if c[0] != on[0]]
                    if columns:
                        through.append({"table": child.name, "on": on[0], "columns": columns})
        links[table.name] = {"key": table.primary_key, "columns": entity_columns(spec, table), "through": through}
    return links


def build_metadata(root: Path | str = ".", database: str | None = None, vetted: Vetted | None = None) -> dict:
    """Datasette metadata for the database built from the package at root (named after the package by default),
    from what the check read (PackageRefused, a ValueError, when it rejects the package)."""
    vetted = vetted or checked_package(root)
    spec = vetted.spec
    package = spec.metadata
    database = database or vetted.descriptor["name"]
    presentation = yaml.safe_load(TABLES_CONFIG.read_text(encoding="utf-8")) or {}
    views = yaml.safe_load(VIEWS_CONFIG.read_text(encoding="utf-8")) or {}
    sources = vetted.rows("sources")
    license_ = package["licenses"][0]
    metadata = {
        "title": package["title"],
        "description": package["description"],
        "license": license_["name"],
        "license_url": license_["path"],
        "source": "; ".join(f"{s['author']}, “{s['title']}” ({s['published'][:10]})" for s in sources),
        "about": f"Data package {package['name']}, version {package['version']}",
    }
    if len(sources) == 1:  # the source's words are one click away: the annotated article
        metadata["source_url"] = article_path(sources[0]["source_id"])
    tables = table_entries(spec, presentation)
    tables.update(view_entries(spec, views))
    metadata["plugins"] = {PLUGIN_NAME: plugin_config(spec, views)}
    metadata["databases"] = {database: {
        "title": package["title"],
        "description": package["description"],
        "tables": tables,
        "queries": canned_queries(),
    }}
    return metadata


def canned_queries() -> dict:
    """The canned queries of datasette/queries.yaml. The project's code, never a database: Datasette runs a canned
    query's SQL as it stands (PRAGMA, ATTACH), so the build does not store them and the server takes them from
    here (stored_form, served_form)."""
    queries = yaml.safe_load(QUERIES_CONFIG.read_text(encoding="utf-8")) or {}
    for name, query in queries.items():
        if not query.get("title") or not query.get("description") or not query.get("sql"):
            raise ValueError(f"{QUERIES_CONFIG.name}: query {name!r} needs a title, a description and sql")
    # the question and its answer matter on a canned query's page; its SQL is one click away ("show")
    return {name: {"hide_sql": True, **{key: query[key] for key in QUERY_KEYS if key in query}}
            for name, query in queries.items()}


def stored_form(metadata: dict) -> dict:
    """What the build stores in the database: the metadata without its canned queries."""
    return {**metadata, "databases": {name: {key: value for key, value in entry.items() if key != "queries"}
                                      for name, entry in metadata["databases"].items()}}


def served_form(stored: dict, database: str) -> dict:
    """What the server shows: the stored metadata, its one database entry under the name the server gives the
    file (its stem), with the project's canned queries."""
    (entry,) = stored["databases"].values()
    return {**stored, "databases": {database: {**entry, "queries": canned_queries()}}}


def metadata_problems(metadata) -> list[str]:
    """Where metadata departs from datasette/metadata.schema.json (each `path: message`); [] when it conforms."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(metadata_schema())
    try:
        problems = [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message[:200]}"
                    for error in validator.iter_errors(metadata)]
        if not problems:
            json.dumps(metadata, ensure_ascii=False).encode("utf-8")  # every string a sequence of characters
    except RecursionError:
        return ["(top): nested too deeply"]
    except UnicodeEncodeError:
        return ["(top): a string holds a lone surrogate, which is not a character"]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--database", help="the database's name in Datasette (default: the package name)")
    args = parser.parse_args(argv)
    try:
        metadata = build_metadata(args.root, args.database)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as error:
        print(f"datasette_metadata: cannot generate the metadata: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
