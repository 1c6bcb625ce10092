"""Stage "export": the checked package in three formats that other tools read, written under build/exports/.

    python -m scripts.export [--root .] [--db build/<package name>.db] [--output-dir build/exports]

    annotations.jsonld     every evidence span (and every mention) as a W3C Web Annotation collection
                           (scripts/export/web_annotation.py)
    brat/<source_id>.txt   the seed's text, byte for byte, and its brat standoff annotations (.ann), with the
    brat/<source_id>.ann   annotation.conf that declares their types (scripts/export/brat.py)
    brat/annotation.conf
    popolo.json            persons, organizations, memberships, posts and events in Popolo JSON
                           (scripts/export/popolo.py)

Every export reads the SQLite database that scripts/build_sqlite.py built after the check accepted the package,
so what is exported is what was checked; `make export` builds it first. Addresses in the exports are relative to
the package's root (seeds/..., data/...): nothing points outside the package.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from scripts.build_sqlite import EVIDENCE_VIEW, SOURCE_TEXTS, BuildRefused, built_database
from scripts.check import checked_package
from scripts.entity_kinds import ENTITY_KINDS, MENTIONS  # noqa: F401 (MENTIONS is the exports' too)
from scripts.schemas import PackageSpec

EXPORT_DIR = "exports"
# entity table -> (the column by which a mention points at it, the type name the exports give its rows)
ENTITY_TYPES = {kind.table: (kind.key, kind.label) for kind in ENTITY_KINDS}


@dataclass(frozen=True)
class Span:
    """One evidence span: the row of `table` whose key is `row_id` cites text[start:end] of source_id."""
    table: str
    row_id: str
    source_id: str
    start: int
    end: int
    evidence: str


class PackageData:
    """Read-only access to the built database of a checked package, and the spec of its tables."""

    def __init__(self, db: Path, root: Path):
        self.db, self.root = Path(db), Path(root)
        self.spec: PackageSpec = checked_package(root).spec  # the check's reading: no file of the package read twice
        self.connection = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        self.connection.row_factory = sqlite3.Row

    def close(self) -> None:
        self.connection.close()

    def rows(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.connection.execute(sql, params).fetchall()

    def has_table(self, name: str) -> bool:
        return bool(self.rows("select 1 from sqlite_master where type = 'table' and name = ?", [name]))

    def table(self, name: str) -> list[dict]:
        """Every row of a table in the order of its CSV file (the build inserts the rows in that order)."""
        return [dict(row) for row in self.rows(f'select * from "{name}" order by rowid')] if self.has_table(name) else []

    @cached_property
    def sources(self) -> list[dict]:
        return [dict(row) for row in self.rows(
            f'select s.*, t.text from sources s join "{SOURCE_TEXTS}" t using (source_id) order by s.source_id')]

    @cached_property
    def texts(self) -> dict[str, str]:
        return {source["source_id"]: source["text"] for source in self.sources}

    @cached_property
    def seed_paths(self) -> dict[str, str]:
        return {source["source_id"]: source["path"] for source in self.sources}

    def spans(self) -> list[Span]:
        """Every evidence span of every table, in the order of the article."""
        return [Span(row["table_name"], row["row_id"], row["source_id"], row["evidence_start"], row["evidence_end"],
                     row["evidence"])
                for row in self.rows(f'select * from "{EVIDENCE_VIEW}"')]

    def row_key(self, table: str, row: dict) -> str:
        """A row's key as the evidence view and Datasette's row addresses write it (two keys joined by a comma)."""
        return ",".join(str(row[key]) for key in self.spec.table(table).primary_key)

    @cached_property
    def csv_rows(self) -> dict[tuple[str, str], int]:
        """(table, row key) -> the row's number in its CSV file, the header being row 1 (RFC 7111's row=)."""
        numbers = {}
        for table in self.spec.tables:
            for index, row in enumerate(self.table(table.name)):
                numbers[table.name, self.row_key(table.name, row)] = index + 2
        return numbers

    def data_path(self, table: str) -> str:
        return self.spec.table(table).data_path

    def mention_entity(self, mention: dict) -> tuple[str, str]:
        """(entity table, entity id) of a mention: the one entity column it fills."""
        for table, (column, _) in ENTITY_TYPES.items():
            if mention.get(column):
                return table, mention[column]
        raise ValueError(f"mention {mention.get('mention_id')!r} names no entity")


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def render_exports(db: Path, root: Path) -> dict[str, str]:
    """Every export file: its path under the export directory -> its text."""
    from scripts.export import brat, popolo, web_annotation

    data = PackageData(db, root)
    try:
        return {**web_annotation.render(data), **brat.render(data), **popolo.render(data)}
    finally:
        data.close()


def write_exports(db: Path, root: Path, output_dir: Path) -> list[Path]:
    return [write_text(output_dir / name, text) for name, text in sorted(render_exports(db, root).items())]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--db", help="the built database (default: build/<package name>.db under --root)")
    parser.add_argument("--output-dir", help=f"where to write (default: ROOT/build/{EXPORT_DIR})")
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        db = built_database(root, args.db)
    except BuildRefused as error:
        print(f"export: {error}", file=sys.stderr)
        return 1
    output_dir = Path(args.output_dir) if args.output_dir else root / "build" / EXPORT_DIR
    try:
        written = write_exports(db, root, output_dir)
    except (OSError, ValueError, KeyError, sqlite3.Error) as error:
        print(f"export: cannot write the exports: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0
