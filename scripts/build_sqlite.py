"""Stage "SQLite" of the pipeline: the checked data package -> build/<package name>.db, for Datasette.

    python -m scripts.build_sqlite [--root .] [--output build/<package name>.db]

The package is checked first, in this process, by the project's check (scripts/check/, all six layers), and the
build uses only what the check read: its rows, seed texts and schemas (scripts.check.checked_package); no file of
the package is opened before the verdict, nor by the build itself. An invalid package is refused with the check's
report and exit status 1, and nothing is written.
The database holds:
  - every resource as a table of the same name, with the CSV's columns in the CSV's order: its primary key,
    NOT NULL on required fields, real FOREIGN KEY constraints and an index on every foreign-key column;
    INTEGER for integer fields, booleans as INTEGER 0/1 (1 = true), everything else TEXT (dates in ISO 8601),
    empty cells NULL; STRICT tables, so SQLite enforces these types;
  - source_texts: each seed's text, so that the annotated article is served from the database alone;
  - full-text search (FTS5, porter stemming) on the columns that datasette/tables.yaml lists under `search`;
  - the views of datasette/views.yaml, and evidence_spans, every cited span of every table.
The build is reproducible (the same package gives the same bytes with the same SQLite) and atomic: it writes a
temporary file beside the output (named with the build's process id) and renames it into place, so a failure at
any point leaves the previous database as it was; the scratch files of a build that was killed (kill -9, a power
cut) are removed by the next build.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts.cells import typed_cell
from scripts.check import PackageRefused, Vetted, checked_package
from scripts.check.inputs import MAX_DESCRIPTOR_BYTES, read_capped, strict_json
from scripts.check.runner import watchdog
from scripts.datasette_config import EVIDENCE_VIEW, SOURCE_TEXTS, TABLES_CONFIG, VIEWS_CONFIG, database_path
from scripts.schemas import PackageSpec, TableSpec

FTS_TOKENIZER = "porter"
# Tables and views the build adds to the resources; their words live here, beside the code that makes them.
ADDED_OBJECTS = {
    SOURCE_TEXTS: {
        "title": "Source texts",
        "description": "The text of each seed, byte-for-byte as in seeds/ (its publisher's, not ours): what the "
                       "evidence offsets count into and what the annotated article at /article/<source_id> shows.",
        "columns": {"source_id": "sources.source_id",
                    "text": "The seed's whole text, decoded from UTF-8 without newline translation."},
    },
    EVIDENCE_VIEW: {
        "title": "Evidence spans",
        "description": "Every span of the article that a row cites, from every table with evidence columns, in the "
                       "order of the article: the table, the row's id (its primary key; two keys joined by a "
                       "comma) and the span.",
        "columns": {"table_name": "The table of the row that cites the span.",
                    "row_id": "The row's primary key, as in its address (two keys joined by a comma).",
                    "source_id": "common.source_id", "sentence_id": "common.sentence_id",
                    "evidence_start": "common.evidence_start", "evidence_end": "common.evidence_end",
                    "evidence": "common.evidence"},
    },
}
SQLITE_TYPES = {"integer": int, "boolean": int, "number": float}  # every other Table Schema type is TEXT


class BuildRefused(PackageRefused):
    """The package cannot be built: it is invalid or unusable. The message says why, for a person."""


@dataclass
class BuildConfig:
    search: dict[str, list[str]]  # table -> full-text columns
    views: dict[str, dict]  # view name -> {title, description, sql, ...}


def plain_name(name, where) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][-a-z0-9._]*", name):
        raise BuildRefused(f"{where}: 'name' must be a plain file name, not {name!r}")
    return name


def package_name(root: Path | str) -> str:
    """The package's name, for the server to find build/<name>.db (the build itself takes it from the vetted
    descriptor). Read as the check reads the descriptor: a regular file only, size-capped, never waited on."""
    descriptor = Path(root) / "datapackage.json"
    try:
        name = strict_json(read_capped(descriptor, MAX_DESCRIPTOR_BYTES)).get("name")
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, AttributeError) as error:
        raise BuildRefused(f"{descriptor}: cannot read the package name ({error})")
    return plain_name(name, descriptor)


def default_output(root: Path | str = ".") -> Path:
    """build/<package name from datapackage.json>.db under the package root."""
    return database_path(root, package_name(Path(root)))


def built_database(root: Path | str = ".", db: Path | str | None = None) -> Path:
    """The database a reader of the build opens (the server, the exports): db when given, else default_output;
    BuildRefused, with what to do, when it is not there."""
    path = Path(db) if db else default_output(root)
    if not path.is_file():
        raise BuildRefused(f"{path} does not exist: run `make build` first")
    return path


def load_config(spec: PackageSpec) -> BuildConfig:
    tables = yaml.safe_load(TABLES_CONFIG.read_text(encoding="utf-8")) or {}
    views = yaml.safe_load(VIEWS_CONFIG.read_text(encoding="utf-8")) or {}
    search = {}
    for table, settings in tables.items():
        columns = (settings or {}).get("search")
        if not columns:
            continue
        if table not in spec.by_name or not set(columns) <= set(spec.table(table).field_names):
            raise BuildRefused(f"{TABLES_CONFIG.name}: search columns {columns} are not fields of a table {table!r}")
        search[table] = list(columns)
    for name in views:
        if name in spec.by_name or name in ADDED_OBJECTS:
            raise BuildRefused(f"{VIEWS_CONFIG.name}: view {name!r} has the name of a table")
    return BuildConfig(search, views)


# ---------------------------------------------------------------- the check

def vetted_package(root: Path) -> Vetted:
    """The package as the check read it, or BuildRefused with the check's report."""
    try:
        return checked_package(root)
    except PackageRefused as error:
        raise BuildRefused(str(error).replace("so it is not used", "so it is not built"))


# ---------------------------------------------------------------- the steps of a build


def foreign_key_tuples(table: TableSpec) -> list[tuple]:
    """sqlite-utils' (columns, other table, other columns) for each foreign key of the schema."""
    tuples = []
    for fk in table.foreign_keys:
        fields, other = fk["fields"], fk["reference"]["fields"]
        if isinstance(fields, list) and len(fields) == 1:
            fields, other = fields[0], other[0]
        tuples.append((tuple(fields) if isinstance(fields, list) else fields, fk["reference"]["resource"],
                       tuple(other) if isinstance(other, list) else other))
    return tuples


def create_tables(db, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    for table in spec.tables:
        db[table.name].create({f.name: SQLITE_TYPES.get(f.type, str) for f in table.fields},
                              pk=table.primary_key[0] if len(table.primary_key) == 1 else tuple(table.primary_key),
                              not_null={f.name for f in table.fields if f.required},
                              foreign_keys=foreign_key_tuples(table), strict=True)
    db[SOURCE_TEXTS].create({"source_id": str, "text": str}, pk="source_id", not_null={"text"},
                            foreign_keys=[("source_id", "sources", "source_id")], strict=True)


def insert_rows(db, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    """The rows and seed texts exactly as the check read them (booleans as 1/0, STRICT tables)."""
    for table in spec.tables:
        types = {f.name: f.type for f in table.fields}
        rows = ({name: _sqlite_value(typed_cell(types[name], cell)) for name, cell in row.items()}
                for row in vetted.rows(table.name))
        db[table.name].insert_all(rows, batch_size=1000)
    db[SOURCE_TEXTS].insert_all({"source_id": s["source_id"], "text": vetted.seeds[s["source_id"]].text}
                                for s in vetted.rows("sources"))


def _sqlite_value(value):
    return int(value) if isinstance(value, bool) else value


def index_foreign_keys(db, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    db.index_foreign_keys()


def enable_search(db, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    for table, columns in config.search.items():
        db[table].enable_fts(columns, tokenize=FTS_TOKENIZER, create_triggers=False)  # immutable: no triggers


def evidence_view_sql(spec: PackageSpec) -> str:
    selects = []
    for table in spec.tables:
        if not table.has_evidence:
            continue
        row_id = " || ',' || ".join(f'"{key}"' for key in table.primary_key)
        selects.append(f"select '{table.name}' as table_name, {row_id} as row_id, source_id, sentence_id, "
                       f'evidence_start, evidence_end, evidence from "{table.name}"')
    return "\nunion all\n".join(selects) + "\norder by source_id, evidence_start, evidence_end desc, table_name, row_id"


def create_views(db, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    db.create_view(EVIDENCE_VIEW, evidence_view_sql(spec))
    for name, view in config.views.items():
        try:
            db.create_view(name, view["sql"])
            db.execute(f'select * from "{name}" limit 0')  # SQLite resolves a view's names only when it is read
        except (sqlite3.Error, KeyError, TypeError) as error:
            raise BuildRefused(f"{VIEWS_CONFIG.name}: view {name!r} cannot be created: {error}")


def verify(db, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    """The constraints hold for every row (the check proved it on the CSVs; this proves the database)."""
    problems = db.execute("pragma foreign_key_check").fetchall()
    if problems:
        raise BuildRefused(f"foreign keys broken in the database: {problems[:5]}")
    integrity = db.execute("pragma integrity_check").fetchone()[0]
    if integrity != "ok":
        raise BuildRefused(f"the database fails SQLite's integrity check: {integrity}")


BUILD_STEPS = (create_tables, insert_rows, index_foreign_keys, enable_search, create_views, verify)


def write_database(path: Path, vetted: Vetted, spec: PackageSpec, config: BuildConfig) -> None:
    import sqlite_utils

    connection = sqlite3.connect(str(path), isolation_level=None)
    try:
        # A scratch file that is renamed into place only when complete needs no journal.
        connection.execute("pragma journal_mode = off")
        connection.execute("pragma synchronous = off")
        db = sqlite_utils.Database(connection)
        for step in BUILD_STEPS:
            step(db, vetted, spec, config)
    finally:
        connection.close()


def remove_stale_scratch_files(output: Path) -> list[Path]:
    """Remove the scratch files that builds of output left when they were killed (their process is gone)."""
    removed = []
    for scratch in output.parent.glob(f".{output.name}.*.partial"):
        owner = scratch.name[len(output.name) + 2:].split(".", 1)[0]
        if owner.isdigit() and int(owner) != os.getpid():
            try:
                os.kill(int(owner), 0)
                continue  # a build still running
            except ProcessLookupError:
                pass
            except PermissionError:
                continue  # another user's running process
        elif owner.isdigit():
            continue  # this process's own
        scratch.unlink(missing_ok=True)
        removed.append(scratch)
    return removed


def build_database(package_root: Path, output: Path | None = None, vetted: Vetted | None = None) -> Path:
    """Check the package, then build its SQLite database at output (default: build/<package name>.db under the
    package), atomically, from what the check read. Returns output. Raises BuildRefused (with a message for a
    person) when the package is invalid; the output is then untouched."""
    root = Path(package_root)
    vetted = vetted or vetted_package(root)
    output = Path(output) if output else root / "build" / f"{plain_name(vetted.descriptor.get('name'), 'datapackage.json')}.db"
    spec = vetted.spec
    config = load_config(spec)
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_scratch_files(output)
    # Named before it exists, so that a signal at any moment finds the name to remove (mkstemp left a gap between
    # creating the file and returning its name).
    scratch = output.parent / f".{output.name}.{os.getpid()}.{secrets.token_hex(6)}.partial"
    try:
        try:
            os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # not ours to remove
            scratch = None
            raise
        write_database(scratch, vetted, spec, config)
        with open(scratch, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(scratch, 0o644)  # 0600 would hide the database from other users of the machine
        os.replace(scratch, output)
    except BaseException:  # an interrupt too: never leave the scratch file behind
        if scratch is not None:
            scratch.unlink(missing_ok=True)
        raise
    return output


def describe(output: Path) -> str:
    connection = sqlite3.connect(f"file:{output}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in connection.execute(
            "select name from sqlite_master where type = 'table' and name not like '%_fts%' order by name")]
        rows = sum(connection.execute(f'select count(*) from "{name}"').fetchone()[0] for name in tables)
        views = connection.execute("select count(*) from sqlite_master where type = 'view'").fetchone()[0]
        searchable = connection.execute(
            "select count(*) from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%'").fetchone()[0]
    finally:
        connection.close()
    return f"{len(tables)} tables, {rows} rows, {views} views, {searchable} full-text indexes"


def main(argv=None, bounded: bool = False) -> int:
    """The command line; bounded: the check runs under its watchdog (python -m scripts.build_sqlite)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--output", help="the database to write (default: build/<package name>.db under --root)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        if bounded:
            with watchdog():
                vetted = vetted_package(root)
        else:
            vetted = vetted_package(root)
        output = build_database(root, Path(args.output) if args.output else None, vetted)
    except BuildRefused as error:
        print(f"build_sqlite: {error}", file=sys.stderr)
        print("build_sqlite: nothing was written.", file=sys.stderr)
        return 1
    except Exception as error:  # the promise is a message, never a traceback
        print(f"build_sqlite: the build failed, nothing was written: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"wrote {output} ({describe(output)})")
    return 0


if __name__ == "__main__":
    # a terminated build unwinds like an interrupted one: its scratch file is removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    # sqlite-utils imports pandas and numpy when they are installed, only to accept their values, which the build
    # never passes: keeping them out of this process saves half a second of the build's 2-second budget
    sys.modules.setdefault("pandas", None)
    sys.modules.setdefault("numpy", None)
    sys.exit(main(bounded=True))
