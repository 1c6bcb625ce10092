"""Generate docs/codebook.md: every table and every field, from schemas/ (the single source) and the data.

    python -m scripts.codebook            # rewrite docs/codebook.md (only if its content changes)
    python -m scripts.codebook --check    # exit 1 when the committed file differs from what would be written

For each table: what a row is, its key, its foreign keys (and the tables that point to it), the rules between its
fields, its row count. For each field: type, required or not, constraints, allowed values with the number of rows
holding each, description, and an example value: the first non-empty value of the column in file order.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from scripts.check import Vetted, checked_package
from scripts.generated import generator_main
from scripts.schemas import FieldSpec, PackageSpec, TableSpec

CODEBOOK = "docs/codebook.md"
EXAMPLE_MAX_CHARS = 60


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text: str) -> str:
    text = str(text)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def shorten(text: str, limit: int = EXAMPLE_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _as_list(fields) -> list[str]:
    return [fields] if isinstance(fields, str) else list(fields)


def constraints_text(table: TableSpec, f: FieldSpec) -> str:
    parts = []
    c = f.constraints
    if table.primary_key == [f.name]:
        parts.append("unique")
    if "enum" in c:
        parts.append("one of " + ", ".join(code(v) for v in c["enum"]))
    if f.type == "boolean":
        parts.append("`true` or `false`")
    if f.type == "date":
        parts.append("ISO date `YYYY-MM-DD`")
    if "pattern" in c:
        parts.append(f"matches {code(c['pattern'])}")
    if c.get("minLength") == 1 and "maxLength" not in c:
        parts.append("not empty" if f.required else "not empty when given")
    elif "maxLength" in c:
        parts.append(f"{c.get('minLength', 0)} to {c['maxLength']} characters" if c.get("minLength")
                     else f"at most {c['maxLength']} characters")
    if "minimum" in c:
        parts.append(f"≥ {c['minimum']}")
    if "maximum" in c:
        parts.append(f"≤ {c['maximum']}")
    for fk in table.foreign_keys:
        if _as_list(fk["fields"]) == [f.name]:
            ref = fk["reference"]
            parts.append(f"references [{ref['resource']}](#{ref['resource']}).{code(', '.join(_as_list(ref['fields'])))}")
    return "; ".join(parts)


def field_rules(table: TableSpec) -> list[str]:
    """The rules between fields written in the table's JSON Schema, in words."""
    schema = table.json_schema
    rules = []
    one_of = schema.get("oneOf")
    if one_of:
        if all(set(option) == {"required"} for option in one_of):
            names = [", ".join(code(n) for n in option["required"]) for option in one_of]
            rules.append("exactly one of " + ", ".join(names) + " is filled")
        else:
            rules.append(f"exactly one of these holds: {code(json.dumps(one_of))}")
    for name, needs in schema.get("dependentRequired", {}).items():
        rules.append(f"{code(name)} requires {', '.join(code(n) for n in needs)}")
    for keyword in ("anyOf", "allOf", "if", "not"):
        if keyword in schema:
            rules.append(f"{keyword}: {code(json.dumps(schema[keyword]))}")
    return rules


def foreign_key_text(fk: dict) -> str:
    ref = fk["reference"]
    fields = ", ".join(code(n) for n in _as_list(fk["fields"]))
    target = ", ".join(_as_list(ref["fields"]))
    return f"{fields} → [{ref['resource']}](#{ref['resource']}).{code(target)}"


def referenced_by(spec: PackageSpec, table: TableSpec) -> list[str]:
    found = []
    for other in spec.tables:
        for fk in other.foreign_keys:
            if fk["reference"]["resource"] == table.name:
                fields = ", ".join(_as_list(fk["fields"]))
                found.append(f"[{other.name}](#{other.name}).{code(fields)}")
    return found


def example(rows: list[dict], field: str) -> str:
    return next((row[field] for row in rows if row.get(field)), "")


def table_section(spec: PackageSpec, table: TableSpec, rows: list[dict]) -> list[str]:
    lines = [f"## {table.name}", "", f"**{table.title}.** {table.description}", ""]
    lines.append(f"- File: `{table.data_path}`; schema: `{table.schema_path}`")
    lines.append(f"- Rows: {len(rows)}")
    lines.append(f"- Primary key: {', '.join(code(k) for k in table.primary_key)}")
    if table.foreign_keys:
        lines.append("- Foreign keys: " + "; ".join(foreign_key_text(fk) for fk in table.foreign_keys))
    incoming = referenced_by(spec, table)
    if incoming:
        lines.append("- Referenced by: " + "; ".join(incoming))
    for rule in field_rules(table):
        lines.append(f"- Rule: {rule}")
    lines += ["", "| field | type | required | constraints | description | example |",
              "| --- | --- | --- | --- | --- | --- |"]
    for f in table.fields:
        sample = example(rows, f.name)
        lines.append("| " + " | ".join([
            f"{code(f.name)}<br>{cell(f.title)}",
            f.type,
            "yes" if f.required else "no",
            cell(constraints_text(table, f)),
            cell(f.description),
            cell(code(shorten(sample))) if sample else "(always empty)",
        ]) + " |")
    enums = [f for f in table.fields if f.enum]
    if enums:
        lines += ["", "Rows per allowed value:", ""]
        for f in enums:
            counts = Counter(row[f.name] for row in rows if row.get(f.name))
            lines.append(f"- {code(f.name)}: " + ", ".join(f"{code(v)} {counts[v]}" for v in f.enum))
    if not table.has_evidence and len(table.primary_key) == 1 and "label" in table.field_names:
        # A vocabulary: its rows are the allowed values of the fields that reference it, with their meaning.
        key = table.primary_key[0]
        lines += ["", f"Values ({len(rows)}):", "", f"| {key} | label |", "| --- | --- |"]
        lines += [f"| {code(row[key])} | {cell(row['label'])} |" for row in rows]
    lines.append("")
    return lines


def render(root: Path | str = ".", vetted: Vetted | None = None) -> str:
    """The codebook of the package as the check read it."""
    vetted = vetted or checked_package(root)
    spec = vetted.spec
    meta = spec.metadata
    data = {t.name: vetted.rows(t.name) for t in spec.tables}
    licence = meta["licenses"][0]["name"] if meta.get("licenses") else "not stated"
    lines = [
        f"# Codebook: {meta['title']}",
        "",
        "<!-- Generated by scripts/codebook.py from schemas/ and data/: edit those, then `make docs`. -->",
        "",
        " ".join(meta.get("description", "").split()),
        "",
        f"Package `{meta['name']}`, version {meta['version']}, licence {licence}: "
        f"{len(spec.tables)} tables, {sum(len(rows) for rows in data.values())} rows.",
        "",
        "Conventions: every CSV is UTF-8 with a header row; an empty cell is a missing value; booleans are "
        "`true`/`false`; dates are ISO 8601. Evidence offsets are Unicode code points into the seed text, 0-based "
        "and half-open (Python's `text[start:end]`).",
        "",
        "| table | a row is | primary key | rows |",
        "| --- | --- | --- | --- |",
    ]
    for t in spec.tables:
        lines.append(f"| [{t.name}](#{t.name}) | {cell(t.description)} | "
                     f"{', '.join(code(k) for k in t.primary_key)} | {len(data[t.name])} |")
    lines.append("")
    for t in spec.tables:
        lines += table_section(spec, t, data[t.name])
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv=None) -> int:
    return generator_main(argv, __doc__, CODEBOOK, render, "scripts/codebook.py")


if __name__ == "__main__":
    sys.exit(main())
