"""Stage "Datasette": serve build/<package name>.db, read-only, with every server option in this one place.

    python -m scripts.datasette_app [--root .] [--db build/<package name>.db] [--host 127.0.0.1] [--port 8001]

`make serve` runs this; the tests call make_datasette() for the same configured instance. The database is
served immutable (Datasette's -i: opened read-only, never written, row counts read from `datasette inspect`),
on 127.0.0.1 unless told otherwise, with the generated metadata (scripts/datasette_metadata.py), the local
plugin and templates of datasette/, a time limit on every SQL query and a cap on the rows a query returns.
Nothing can write: Datasette 0.65 has no write API, no canned query writes, the database is immutable, and the
plugin (datasette/plugins/article.py) refuses every request but GET and HEAD.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts.build_sqlite import DATASETTE_DIR, BuildRefused, default_output
from scripts.datasette_metadata import PLUGIN_NAME, build_metadata

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
STATIC_MOUNT = "assets"  # datasette/static is served at /assets/
STYLESHEET = f"/{STATIC_MOUNT}/project.css"
SETTINGS = {
    "sql_time_limit_ms": 1000,  # a runaway query is cut off after a second
    "max_returned_rows": 1000,  # the most rows any page or query returns
    "allow_csv_stream": False,  # streaming would return every row of a query, past the cap above
    "facet_time_limit_ms": 200,
    "num_sql_threads": 3,
}


def inspect_file(db: Path) -> Path:
    return db.with_name(db.stem + ".inspect.json")


def inspect_data(db: Path) -> dict:
    """Row counts and hash of the database, as `datasette inspect` writes them; rerun when the database changed."""
    from datasette.cli import cli
    from datasette.inspect import inspect_hash  # the hash `datasette inspect` records

    target = inspect_file(db)
    digest = inspect_hash(db)
    if target.exists():
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if data[db.stem]["hash"] == digest:
                return data
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable or stale: written again below
    cli.main(["inspect", str(db), "--inspect-file", str(target)], standalone_mode=False)
    return json.loads(target.read_text(encoding="utf-8"))


def _datasette_class():
    from datasette.app import Datasette

    class ServedDatasette(Datasette):
        """Datasette 0.65.5 deep-copies the whole metadata for each table's permission check, so a page that lists
        every table spent most of its time copying (profiled: 80 % of the home page). Metadata never changes while
        the immutable database is served, so each table's answer is computed once."""

        def _table_permission_allows(self, database, table):
            cache = self.__dict__.setdefault("_table_allows_cache", {})
            if (database, table) not in cache:
                cache[database, table] = super()._table_permission_allows(database, table)
            return list(cache[database, table])

    return ServedDatasette


def make_datasette(db: Path | str, root: Path | str = "."):
    """The configured Datasette for the database built from the package at root."""
    Datasette = _datasette_class()

    root, db = Path(root), Path(db)
    config = DATASETTE_DIR  # the plugin, templates and style sheet are the project's, whatever the package
    metadata = build_metadata(root, db.stem)
    metadata["plugins"][PLUGIN_NAME]["stylesheet"] = STYLESHEET
    return Datasette(
        [],
        immutables=[str(db)],
        inspect_data=inspect_data(db),
        metadata=metadata,
        settings=SETTINGS,
        plugins_dir=str(config / "plugins"),
        template_dir=str(config / "templates"),
        static_mounts=[(STATIC_MOUNT, str(config / "static"))],
        cors=False,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--db", help="the database (default: build/<package name>.db under --root)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    try:
        db = Path(args.db) if args.db else default_output(args.root)
    except BuildRefused as error:
        print(f"datasette_app: {error}", file=sys.stderr)
        return 1
    if not db.is_file():
        print(f"datasette_app: {db} does not exist: run `make build` first", file=sys.stderr)
        return 1

    import uvicorn
    from datasette.cli import check_databases, run_sync

    datasette = make_datasette(db, args.root)
    run_sync(datasette.invoke_startup)
    run_sync(lambda: check_databases(datasette))
    print(f"Datasette serves {db} read-only on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(datasette.app(), host=args.host, port=args.port, log_level="info", lifespan="on", workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
