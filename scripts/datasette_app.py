"""Stage "Datasette": serve build/<package name>.db, read-only, with every server option in this one place.

    python -m scripts.datasette_app [--root .] [--db build/<package name>.db] [--host 127.0.0.1] [--port 8001]
                                    [--workers 2] [--cache-mib 64] [--no-cache] [--no-gzip]

`make serve` runs this; the tests call make_datasette() and served_app() for the same configured instance.
What a request goes through, outermost first (served_app()):
  1. guard (this module): a path or query string that no page of the server has (control, bidirectional,
     zero-width, private-use or unassigned characters, `.`/`..` or empty segments, invalid UTF-8 after decoding,
     longer than MAX_PATH_BYTES / MAX_QUERY_BYTES) is answered 404 before Datasette sees it, request headers over
     MAX_HEADER_BYTES 431; every response, whoever answers, gets SECURITY_HEADERS
     (scripts/datasette_config.py: Content-Security-Policy, nosniff, DENY framing, Referrer-Policy);
  2. gzip (asgi-gzip, a maintained middleware) for text bodies of at least GZIP_MIN_BYTES that the cache did not
     answer (the cache keeps its entries compressed once, and the middleware leaves an encoded body alone);
  3. the response cache (scripts/response_cache.py): GET and HEAD answers of the immutable database, with a
     strong ETag, Cache-Control and 304s;
  4. Datasette 0.65 (its own wrappers: the plugin's refusal of every method but GET and HEAD, CSRF).
The server reads nothing but the database: the metadata it shows is the table datasette_metadata, which the build
generated from the same check as the rows (no package file is read, nothing is checked again at start). The
database is served immutable (Datasette's -i: opened read-only, never written); its row counts and hash are
computed in memory at start (nothing is written beside it, so build/ may be read-only). Every SQLite connection
gets an authorizer that refuses the functions that reveal memory or files and the pragma that shows the file's
path, and a cap on the length of any value (SQLITE_VALUE_LIMIT), so no single call allocates more.
Under uvicorn with --workers N (default 2, one per core), each worker process builds its own Datasette and cache
from the same command line: they share nothing mutable.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import sqlite3
import sys
import unicodedata
import weakref
from pathlib import Path
from urllib.parse import unquote_to_bytes

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from scripts.build_sqlite import BuildRefused, built_database
from scripts.datasette_config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WORKERS,
    PLUGIN_NAME,
    PLUGINS_DIR,
    SECURITY_HEADERS,
    SERVED_METADATA,
    STATIC_DIR,
    STATIC_MOUNT,
    TEMPLATES_DIR,
)

SETTINGS = {
    "sql_time_limit_ms": 1000,  # a runaway query is cut off after a second
    "max_returned_rows": 1000,  # the most rows any page or query returns
    "allow_csv_stream": False,  # streaming would return every row of a query, past the cap above
    "facet_time_limit_ms": 200,
    "num_sql_threads": 3,
}
# The longest value (string or blob) any SQL expression may build or read. The longest value of the database is
# a seed's text (4.5 kB today; a long article is under 100 kB); 256 KiB leaves room for that, and a query's 1,000
# rows stay under 256 MiB per column (measured with two columns of 1 MB printf: less than 64 MiB, the printf bound
# answering NULL; tests/test_server_hardening.py).
SQLITE_VALUE_LIMIT = 256 * 1024
SQLITE_SQL_LIMIT = 100_000  # the longest SQL statement, in bytes (a canned query is under 2 kB)
# All the values of one query's result, counted as they are fetched: 1,000 rows of values just under the length limit
# would otherwise reach Datasette's renderer as hundreds of MB (a blob counts six times: JSON writes a byte as
# \u0000). A full page of the largest table is about 1 MB.
MAX_RESULT_BYTES = 16 * 1024 * 1024
# SQL functions that read or write files, load code, or hand out memory addresses (fts3_tokenizer returns the
# address of a tokenizer module in libsqlite3; the others exist only in some builds of SQLite or its shell).
DENIED_FUNCTIONS = frozenset({"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit", "fsdir",
                              "sqlite_offset", "sqlite_dbpage", "zipfile", "sqlar_compress", "sqlar_uncompress"})
# Table-valued pragma functions whose rows name files of the machine. Datasette's own `PRAGMA database_list`
# statement (which a user cannot send: Datasette refuses PRAGMA statements) keeps working.
DENIED_TABLES = frozenset({"pragma_database_list"})
PRINTF_NAMES = ("printf", "format")  # format() is printf() under its SQL-standard name
MAX_PATH_BYTES = 1024  # the longest path of any page (a row of a table with a long composite key stays far below)
MAX_HEADER_BYTES = 32768  # all request headers together; uvicorn's httptools parser sets no bound of its own
MAX_QUERY_BYTES = 16384  # a canned query's parameters, or a hand-written SQL query of several kB, percent-encoded
ODD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})  # Unicode categories no page's address holds
GZIP_MIN_BYTES = 500
DEFAULT_CACHE_MIB = 64


def sqlite_authorizer(action: int, arg1, arg2, database, source) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):  # one database is served; no other file is opened
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and (arg1 or "").lower() in DENIED_TABLES:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


# A width or precision of printf()/format(), literal or taken from an argument by `*`.
PRINTF_CONVERSION = re.compile(r"%[-+ 0#!,]*(\*|\d+)?(?:\.(\*|\d+))?(%|[a-zA-Z])")


def bounded_printf(helper: sqlite3.Connection):
    """SQLite's printf() (and its alias format()), answering NULL to a width or precision past SQLITE_VALUE_LIMIT
    before SQLite sees it. SQLite 3.40 answers `printf('%.*c', 600000000, 'x')` with NULL under the length limit,
    but only after 20-40 s of CPU inside the one call, where the time limit (a progress handler between steps)
    cannot stop it. A bounded call is evaluated by SQLite's own printf on a helper connection with the same limits."""
    def printf(template, *args):
        if template is None:
            return None
        position = 0
        for width, precision, kind in PRINTF_CONVERSION.findall(str(template)):
            for part in (width, precision):
                if part == "*":
                    value = args[position] if position < len(args) else 0
                    position += 1
                    try:
                        part = abs(int(float(value)))
                    except (TypeError, ValueError, OverflowError):
                        part = 0
                if part and int(part) > SQLITE_VALUE_LIMIT:
                    return None  # what SQLite itself answers under the length limit, without the 20 s
            position += kind != "%"
        placeholders = ", ".join("?" * (1 + len(args)))
        return helper.execute(f"select printf({placeholders})", [template, *args]).fetchone()[0]
    return printf


def limit(connection: sqlite3.Connection) -> None:
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_VALUE_LIMIT)
    connection.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, SQLITE_SQL_LIMIT)


def result_budget_row_factory():
    """sqlite3.Row for each fetched row, counting the bytes of each cursor's result: past MAX_RESULT_BYTES the fetch
    stops with an error (a 400 answer) before anything is rendered."""
    spent = weakref.WeakKeyDictionary()

    def row_factory(cursor, values):
        total = spent.get(cursor, 0)
        for value in values:
            total += 6 * len(value) if isinstance(value, bytes) else len(value) if isinstance(value, str) else 8
        if total > MAX_RESULT_BYTES:
            raise sqlite3.DataError(f"result too big: more than {MAX_RESULT_BYTES // 2**20} MiB of values; "
                                    "ask for fewer rows or shorter values")
        spent[cursor] = total
        return sqlite3.Row(cursor, values)
    return row_factory


def harden_connection(connection: sqlite3.Connection) -> None:
    """The authorizer, the limits, the result budget and the bounded printf on one connection (Datasette's every
    connection)."""
    connection.row_factory = result_budget_row_factory()
    connection.set_authorizer(sqlite_authorizer)
    limit(connection)
    helper = sqlite3.connect(":memory:", check_same_thread=False)
    limit(helper)
    for name in PRINTF_NAMES:
        connection.create_function(name, -1, bounded_printf(helper), deterministic=True)


START_READ_SECONDS = 10  # what the server reads of a database at start (metadata, row counts, pages to warm)
URI_SPECIAL = "?#%"  # Datasette 0.65 opens `file:<path>?immutable=1` without escaping the path


def read_only_connection(db: Path, seconds: float | None = None) -> sqlite3.Connection:
    """The database, read-only, with every hardening of Datasette's own connections (authorizer, length limit,
    bounded printf) and a time bound: a database is a download that anyone could have altered, and a generated
    column, a view or a virtual table can compute at length. Past `seconds` (default START_READ_SECONDS) a statement
    fails (interrupted)."""
    import time

    connection = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    harden_connection(connection)
    connection.row_factory = None  # plain tuples: the start reads a few short values, not a page of results
    deadline = time.monotonic() + (START_READ_SECONDS if seconds is None else seconds)
    connection.set_progress_handler(lambda: time.monotonic() > deadline, 1000)  # true: interrupt
    return connection


def servable_path(db: Path | str) -> Path:
    """db, or BuildRefused when Datasette could not open it: a `?`, `#` or `%` in its absolute path."""
    path = Path(db)
    if any(character in str(path.resolve()) for character in URI_SPECIAL):
        raise BuildRefused(f"{db}: its path holds one of {' '.join(URI_SPECIAL)}, which Datasette 0.65 cannot open "
                           "(it builds a file: URI without escaping): move or rename it")
    return path


def quoted(name: str) -> str:
    """An SQL identifier, quoted (a table's name may hold a double quote)."""
    return '"' + name.replace('"', '""') + '"'


def inspect_data(db: Path) -> dict:
    """Hash and row counts of the database, what `datasette inspect` writes to a file, computed here and kept in
    memory: nothing is written beside the database, so build/ may be read-only. Synchronous, because uvicorn's
    workers build the app inside their running event loop."""
    from datasette.inspect import inspect_hash

    connection = read_only_connection(db)
    try:
        names = [name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")]
        tables = {name: {"count": connection.execute(f'select count(*) from {quoted(name)}').fetchone()[0]}
                  for name in names}
    finally:
        connection.close()
    return {Path(db).stem: {"hash": inspect_hash(db), "size": Path(db).stat().st_size, "tables": tables}}


MAX_METADATA_BYTES = 4 * 1024 * 1024  # the stored metadata of the package is ~50 kB


def stored_metadata(db: Path | str) -> dict:
    """What the server shows of a database the build wrote: the metadata stored in it (a table, never a view: its
    one row read under a length and a time bound), held to datasette/metadata.schema.json and naming only tables
    and columns the database has, under the name Datasette serves the file by, with the project's canned queries.
    BuildRefused, saying what to do, for anything else: a database is a download that anyone could have altered."""
    import json

    from scripts.datasette_metadata import metadata_problems, served_form

    def refused(why: str) -> BuildRefused:
        return BuildRefused(f"{db}: {SERVED_METADATA} {why}: run `make build` to rebuild it")

    servable_path(db)
    try:
        connection = read_only_connection(Path(db))
    except sqlite3.Error as error:
        raise refused(f"cannot be read ({error})")
    try:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_METADATA_BYTES)
        kinds = connection.execute("select type from sqlite_master where name = ?", (SERVED_METADATA,)).fetchall()
        if kinds != [("table",)]:
            raise refused(f"is not a table of the database (found: {', '.join(k for (k,) in kinds) or 'no such table'})")
        rows = connection.execute(f'select metadata from "{SERVED_METADATA}" limit 2').fetchall()
        if len(rows) != 1:
            raise refused(f"has {len(rows)} rows, not 1")
        try:
            metadata = json.loads(rows[0][0])
        except (TypeError, ValueError, RecursionError) as error:
            raise refused(f"is not JSON ({type(error).__name__}: {str(error)[:200]})")
        problems = metadata_problems(metadata) or _names_missing(connection, metadata)
    except sqlite3.Error as error:
        raise refused(f"cannot be read ({error})")
    finally:
        connection.close()
    if problems:
        raise refused(f"is not what the build writes ({'; '.join(problems[:3])})")
    return served_form(metadata, Path(db).stem)


def _names_missing(connection: sqlite3.Connection, metadata: dict) -> list[str]:
    """The tables and columns the metadata names (a table's label column, sort, facets, search index, the plugin's
    tables) that the database does not have: Datasette would answer their pages with an error."""
    objects = dict(connection.execute("select name, type from sqlite_master where type in ('table', 'view')"))
    searchable = {name for (name,) in connection.execute(
        "select name from sqlite_master where type = 'table' and upper(sql) like 'CREATE VIRTUAL TABLE % USING FTS%'")}

    def columns(name: str) -> set[str]:
        return {row[1] for row in connection.execute("select * from pragma_table_info(?)", (name,))}

    problems = []
    (entry,) = metadata["databases"].values()
    for table, settings in entry.get("tables", {}).items():
        if table not in objects:
            problems.append(f"tables/{table}: no such table or view")
            continue
        named = {settings.get(key) for key in ("label_column", "sort", "sort_desc")} | set(settings.get("facets", []))
        missing = sorted(name for name in named - {None} if name not in columns(table))
        problems += [f"tables/{table}: no column {name}" for name in missing]
        if "fts_table" in settings and settings["fts_table"] not in searchable:
            problems.append(f"tables/{table}: no search index {settings['fts_table']}")
    plugin = metadata.get("plugins", {}).get(PLUGIN_NAME, {})
    for key in ("texts_table", "evidence_view"):
        if key in plugin and plugin[key] not in objects:
            problems.append(f"plugins/{PLUGIN_NAME}/{key}: no such table or view {plugin[key]}")
    return problems


def _datasette_class():
    # datasette.app first: importing it registers Datasette's default plugins, handle_exception among them
    from datasette.app import Datasette  # noqa: I001
    from datasette import handle_exception

    # Datasette's default error handler prints every 404 and 400 as a rich traceback with the locals of each frame,
    # and raises (a 500) when the 404 did not come from an exception (`//etc/passwd`). Without rich it renders the
    # same error page; real errors (500) still print their traceback.
    handle_exception.rich = None

    class ServedDatasette(Datasette):
        """Datasette with what serving one immutable database to anyone needs."""

        def _table_permission_allows(self, database, table):
            # Datasette 0.65.5 deep-copies the whole metadata for each table's permission check, so a page that lists
            # every table spent most of its time copying (profiled: 80 % of the home page). Metadata never changes
            # while the immutable database is served, so each table's answer is computed once.
            cache = self.__dict__.setdefault("_table_allows_cache", {})
            if (database, table) not in cache:
                cache[database, table] = super()._table_permission_allows(database, table)
            return list(cache[database, table])

        def _prepare_connection(self, conn, database):
            super()._prepare_connection(conn, database)
            harden_connection(conn)

        def _connected_databases(self):
            # /-/databases.json: everything Datasette shows but the file's absolute path
            return [{key: value for key, value in entry.items() if key != "path"}
                    for entry in super()._connected_databases()]

        def _threads(self):
            # /-/threads.json: the counts only; each task's description names source files of this machine
            threads = super()._threads()
            return {key: value for key, value in threads.items() if key in ("num_threads", "num_tasks")}

    return ServedDatasette


def make_datasette(db: Path | str):
    """The configured Datasette for a database the build wrote, with the metadata stored in it."""
    Datasette = _datasette_class()
    metadata = stored_metadata(db)  # first: it refuses a path Datasette could not open
    db = Path(db)
    return Datasette(
        [],
        immutables=[str(db)],
        inspect_data=inspect_data(db),
        metadata=metadata,
        settings=SETTINGS,
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
        cors=False,
    )


# ---------------------------------------------------------------- the guard and the headers

SECURITY_HEADER_ITEMS = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()]
NOT_FOUND_BODY = b"Not found.\n"
HEADERS_TOO_LARGE_BODY = b"Request header fields too large.\n"


def odd_request(scope) -> bool:
    """A path or query string that no page of this server has: refused before Datasette sees it."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    query = scope.get("query_string", b"")
    if len(raw_path) > MAX_PATH_BYTES or len(query) > MAX_QUERY_BYTES:
        return True
    decoded = unquote_to_bytes(raw_path)
    try:
        path = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return True
    segments = path.split("/")[1:]
    if not path.startswith("/") or "" in segments[:-1] or any(s in (".", "..") for s in segments):
        return True  # `//etc/passwd`, `/a//b`, `/..%2f..`: no page has an empty, `.` or `..` segment
    # control, format (bidirectional overrides, zero-width), surrogate, private-use and unassigned characters
    return any(unicodedata.category(c) in ODD_CATEGORIES for c in path)


def refused_request(scope) -> tuple[int, bytes] | None:
    """(status, body) for a request the guard answers itself, None for one that goes on."""
    if sum(len(name) + len(value) for name, value in scope.get("headers", ())) > MAX_HEADER_BYTES:
        return 431, HEADERS_TOO_LARGE_BODY
    if odd_request(scope):
        return 404, NOT_FOUND_BODY
    return None


def with_security_headers(headers) -> list:
    names = {name for name, _ in SECURITY_HEADER_ITEMS}
    return [(name, value) for name, value in headers if name.lower() not in names] + SECURITY_HEADER_ITEMS


def guarded(app):
    """The outermost layer: odd requests answered 404, the security headers on every response."""
    async def guard(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(message.get("headers", []))}
            await send(message)

        refusal = refused_request(scope)
        if refusal is not None:
            status, body = refusal
            await send_with_headers({"type": "http.response.start", "status": status,
                                     "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                                 (b"content-length", str(len(body)).encode())]})
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send_with_headers)
    guard.app = app  # the layer inside, as middleware classes expose it
    return guard


def served_app(db: Path | str, cache_mib: float = DEFAULT_CACHE_MIB, gzip: bool = True,
               host: str = "localhost"):
    """The whole ASGI application `make serve` runs: guard and headers, response cache, gzip, Datasette.
    cache_mib=0 turns the cache off (the headers, limits and refusals stay); host is the Host header the cache is
    warmed for."""
    from scripts.response_cache import ResponseCache, warm_paths

    datasette = make_datasette(db)
    app = datasette.app()
    if cache_mib > 0:
        database = datasette.get_database(Path(db).stem)
        app = ResponseCache(app, version=database.hash, max_bytes=int(cache_mib * 1024 * 1024),
                            gzip_min_bytes=GZIP_MIN_BYTES if gzip else None,
                            warm=warm_paths(datasette, database.name), warm_host=host)
    if gzip:  # outside the cache, for what the cache does not keep (its own entries are compressed once)
        from asgi_gzip import GZipMiddleware

        app = GZipMiddleware(app, minimum_size=GZIP_MIN_BYTES)
    return guarded(app)


# ---------------------------------------------------------------- the command line

ENVIRONMENT = "DATASETTE_APP_ARGS"  # how uvicorn's worker processes receive the command line


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools, its faster parser) with Nagle's algorithm off on every connection.
    asyncio turns it off itself, but not on the sockets of uvicorn's worker processes (the listening socket they
    inherit has no protocol number), so with --workers 2 every keep-alive answer, sent as headers then body, waited
    ~40 ms for the client's delayed ACK (measured: 44 ms a cached page with 2 workers, 0.3 ms with 1)."""

    def connection_made(self, transport):
        connection = transport.get_extra_info("socket")
        if connection is not None:
            try:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass  # not a TCP socket
        super().connection_made(transport)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--db", help="the database (default: build/<package name>.db under --root)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"uvicorn worker processes (default: {DEFAULT_WORKERS})")
    parser.add_argument("--cache-mib", type=float, default=DEFAULT_CACHE_MIB,
                        help=f"response cache of each worker, in MiB (default: {DEFAULT_CACHE_MIB})")
    parser.add_argument("--no-cache", action="store_true", help="no response cache (for measurements)")
    parser.add_argument("--no-gzip", action="store_true", help="no gzip compression (for measurements)")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.cache_mib < 0:
        parser.error("--workers must be at least 1 and --cache-mib at least 0")
    return args


def app_factory():
    """uvicorn's factory in each worker process: the app for the command line the parent was given."""
    import json

    args = argparse.Namespace(**json.loads(os.environ[ENVIRONMENT]))
    return served_app(args.db, 0 if args.no_cache else args.cache_mib, gzip=not args.no_gzip,
                      host=f"{args.host}:{args.port}")


def main(argv=None) -> int:
    import json

    args = parse_args(argv)
    try:
        db = built_database(args.root, args.db)
        # here, once, what each worker reads at start: a database they could not serve is refused with a sentence
        stored_metadata(db)
        inspect_data(db)
        from scripts.response_cache import warmed_objects

        warmed_objects(db)
    except sqlite3.Error as error:
        print(f"datasette_app: {db}: cannot be served ({error}): run `make build` to rebuild it", file=sys.stderr)
        return 1
    except BuildRefused as error:
        print(f"datasette_app: {error}", file=sys.stderr)
        return 1
    import uvicorn

    os.environ[ENVIRONMENT] = json.dumps({**vars(args), "db": str(db)})
    print(f"Datasette serves {db} read-only on http://{args.host}:{args.port}/ ({args.workers} workers)", flush=True)
    uvicorn.run("scripts.datasette_app:app_factory", factory=True,
                host=args.host, port=args.port, workers=args.workers, http=NoDelayHttpProtocol, log_level="warning",
                lifespan="on", server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
