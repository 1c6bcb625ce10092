"""An ASGI response cache for an application that serves an immutable database (scripts/datasette_app.py puts it
around Datasette): each answer is computed once per worker, then served from memory.

- What is kept: answers to GET and HEAD requests (HEAD is answered from the GET answer, without its body) that carry
  no Cookie and no Authorization header (Datasette's actor comes from them) and no `_trace` parameter, when the
  answer is a 200 without Set-Cookie and its body is at most max_entry_bytes (a longer one, a large CSV, is streamed
  to the client as it comes and not kept). Everything else passes through untouched, errors included.
- The key: the Host header (the application writes absolute URLs from it), the path as sent, and the query string
  normalised (each name and value percent-decoded and encoded again the one way, in the order given, empty pairs
  dropped). The application receives the normalised query string, so a kept answer is exactly its answer for the
  key. Concurrent misses of one key compute it once; the others wait for that answer.
- Memory: entries (body and gzip form) are evicted least recently used first once their total passes max_bytes.
- HTTP: a strong ETag (the database's hash, the key and the encoding), `Cache-Control: public, max-age=...`,
  `Vary: Accept-Encoding`, and 304 Not Modified when If-None-Match names the ETag. Text bodies of at least
  gzip_min_bytes are also stored gzip-compressed (once, deterministically: mtime 0, so every worker has the same
  bytes for an ETag) and sent so to clients that accept gzip (gzip_min_bytes None: never).
- Warming: when the application's lifespan startup completes, the warm paths are requested once, with the Host
  that clients of `make serve` send (127.0.0.1:PORT).
"""
from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

MAX_AGE = 3600  # seconds a client or proxy may reuse a page without asking again (the database never changes)
MAX_ENTRY_BYTES = 2 * 1024 * 1024
GZIP_MIN_BYTES = 500
COMPRESSIBLE = (b"text/", b"application/json", b"application/javascript", b"application/xml", b"image/svg+xml")
BYPASS_HEADERS = (b"cookie", b"authorization")
BYPASS_PARAMETERS = ("_trace",)
DROPPED_HEADERS = (b"content-length", b"cache-control", b"etag", b"vary", b"content-encoding")


@dataclass
class Entry:
    status: int
    headers: list  # without the DROPPED_HEADERS: they are set per answer
    body: bytes
    gzipped: bytes | None
    etag: str

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 64 * len(self.headers) + 256


def normalised_query(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                      errors="surrogateescape")
    def encoded(text: str) -> str:
        return quote(text, safe="", errors="surrogateescape")

    return "&".join(f"{encoded(name)}={encoded(value)}" for name, value in pairs).encode("ascii")


def accepts_gzip(scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope.get("headers", ()))


def cacheable_request(scope) -> bool:
    if scope["method"] not in ("GET", "HEAD"):
        return False
    if any(name in BYPASS_HEADERS for name, _ in scope.get("headers", ())):
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    return not any(pair.split("=", 1)[0] in BYPASS_PARAMETERS for pair in query.split("&"))


def header(headers, name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


class ResponseCache:
    def __init__(self, app, version: str, max_bytes: int, max_entry_bytes: int = MAX_ENTRY_BYTES,
                 max_age: int = MAX_AGE, gzip_min_bytes: int | None = GZIP_MIN_BYTES, warm=(), warm_host="localhost"):
        self.app, self.version, self.max_bytes, self.warm_host = app, version, max_bytes, warm_host.encode("idna")
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.max_age, self.gzip_min_bytes = max_age, gzip_min_bytes
        self.warm_paths = list(warm)
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.pending: dict[tuple, asyncio.Future] = {}  # keys being computed: concurrent misses wait, not recompute
        self.bytes = 0
        self.hits = self.misses = 0

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._after_startup(send))
            return
        if scope["type"] != "http" or not cacheable_request(scope):
            await self.app(scope, receive, send)
            return
        query = normalised_query(scope.get("query_string", b""))
        # the Host header is part of the key: Datasette writes absolute URLs from it (the Link header, JSON's
        # next_url), so one client's Host must never reach another's answer
        key = (header(scope.get("headers", ()), b"host") or b"", scope.get("raw_path") or scope["path"].encode("utf-8"),
               query)
        entry = self.entries.get(key)
        if entry is None and key in self.pending:
            entry = await asyncio.shield(self.pending[key])  # being computed for another request: wait for it
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
            inner = {**scope, "method": "GET", "query_string": query,
                     "headers": [(n, v) for n, v in scope.get("headers", ()) if n != b"accept-encoding"]}
            computed = self.pending.setdefault(key, asyncio.get_running_loop().create_future())
            try:
                entry = await self._compute(inner, receive, send, key, head=scope["method"] == "HEAD")
            finally:
                if self.pending.get(key) is computed:
                    del self.pending[key]
                if not computed.done():
                    computed.set_result(entry if key in self.entries else None)  # None: the waiters compute it
            if entry is None:
                return  # answered already: not cacheable, or streamed
        await self._answer(entry, scope, send)

    def _after_startup(self, send):
        async def send_after_warming(message):
            if message["type"] == "lifespan.startup.complete":
                await self.warm()
            await send(message)
        return send_after_warming

    async def warm(self) -> int:
        """Request each warm path once (GET, no cookie); returns how many answers were stored."""
        for path in self.warm_paths:
            path, _, query = path.partition("?")
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                     "scheme": "http", "path": path, "raw_path": path.encode("utf-8"),
                     "query_string": query.encode("utf-8"), "root_path": "", "headers": [(b"host", self.warm_host)],
                     "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 0)}

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def discard(message):
                pass

            await self(scope, receive, discard)
        return len(self.entries)

    # ------------------------------------------------------------ computing and storing an answer

    async def _compute(self, scope, receive, send, key, head: bool):
        start, chunks, size = None, [], 0
        streaming = False

        async def capture(message):
            nonlocal start, size, streaming
            if streaming:
                if not head:
                    await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_entry_bytes and message.get("more_body", False):
                streaming = True  # too large to keep: what came so far, then the rest as it comes
                await send(start)
                if not head:
                    await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})

        await self.app(scope, receive, capture)
        if streaming and head:
            await send({"type": "http.response.body", "body": b""})
        if streaming or start is None:
            return None
        body = b"".join(chunks)
        headers = start.get("headers", [])
        if start["status"] != 200 or header(headers, b"set-cookie") is not None or len(body) > self.max_entry_bytes:
            await send({**start, "headers": [(n, v) for n, v in headers if n.lower() != b"content-length"]
                        + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": b"" if head else body})
            return None
        entry = self._entry(key, start["status"], headers, body)
        self._store(key, entry)
        return entry

    def _entry(self, key, status: int, headers, body: bytes) -> Entry:
        kept = [(n, v) for n, v in headers if n.lower() not in DROPPED_HEADERS]
        content_type = header(headers, b"content-type") or b""
        gzipped = None
        compress = self.gzip_min_bytes is not None and len(body) >= self.gzip_min_bytes
        if compress and content_type.startswith(COMPRESSIBLE):
            gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        digest = hashlib.sha256(repr((self.version, key)).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return Entry(status, kept, body, gzipped, digest)

    def _store(self, key, entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        self.entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            _, evicted = self.entries.popitem(last=False)
            self.bytes -= evicted.size

    # ------------------------------------------------------------ answering from an entry

    async def _answer(self, entry: Entry, scope, send):
        use_gzip = entry.gzipped is not None and accepts_gzip(scope)
        etag = f'"{entry.etag}{"-gzip" if use_gzip else ""}"'.encode("ascii")
        body = entry.gzipped if use_gzip else entry.body
        headers = [*entry.headers, (b"etag", etag), (b"cache-control", f"public, max-age={self.max_age}".encode()),
                   (b"vary", b"Accept-Encoding")]
        if_none_match = header(scope.get("headers", ()), b"if-none-match")
        if if_none_match is not None and (if_none_match.strip() == b"*" or etag in
                                          [tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")]):
            await send({"type": "http.response.start", "status": 304, "headers": [
                (n, v) for n, v in headers if n.lower() != b"content-type"]})
            await send({"type": "http.response.body", "body": b""})
            return
        if use_gzip:
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def warmed_objects(db) -> tuple[list[str], list[str]]:
    """The tables and views whose pages are warmed (but the metadata's own, which nobody browses), and the sources
    whose articles are; read under the start's bounds (datasette_app.read_only_connection)."""
    from scripts.datasette_app import read_only_connection
    from scripts.datasette_config import SERVED_METADATA, SOURCE_TEXTS

    connection = read_only_connection(db)
    try:
        names = [name for (name,) in connection.execute(
            "select name from sqlite_master where type in ('table', 'view') and name not like '%\\_fts%' escape '\\' "
            "and name not like 'sqlite\\_%' escape '\\' order by name") if name != SERVED_METADATA]
        sources = [source for (source,) in connection.execute(f'select source_id from "{SOURCE_TEXTS}"')]
    finally:
        connection.close()
    return names, sources


def warm_paths(datasette, database: str) -> list[str]:
    """The pages warmed at start: the home page, the database page, every table's and view's page, the articles."""
    from scripts.datasette_config import article_path

    names, sources = warmed_objects(datasette.get_database(database).path)
    return ["/", datasette.urls.database(database), *(datasette.urls.table(database, name) for name in names),
            *(article_path(source) for source in sources)]
