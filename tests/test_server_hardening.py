"""The server as an attacker meets it (issue 10 item 7): security headers on every response, the SQLite authorizer
and limits, odd paths, no absolute paths of the machine, a read-only build directory. In-process through the whole
ASGI stack of `make serve` (scripts.datasette_app.served_app), and against the real process (the session's
live_server) where its log, its sockets or raw HTTP are what is tested. Bounds are stated where they are asserted."""
from __future__ import annotations

import base64
import hashlib
import re
import resource
import socket
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from scripts.datasette_app import DENIED_FUNCTIONS, SQLITE_VALUE_LIMIT, harden_connection, make_datasette, served_app
from scripts.datasette_config import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from scripts.loadtest import page_mix
from tests.conftest import ROOT

pytestmark = pytest.mark.anyio
NAME = "india-pakistan-delegations-washington-2025"
DB = f"/{NAME}"


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def app(built_db):
    return served_app(built_db)


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        yield client


def sql_path(sql: str) -> str:
    return f"{DB}.json?" + urlencode({"sql": sql})


def assert_security_headers(response, what):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (what, name)


def raw_request(url: str, target: bytes, method: bytes = b"GET", headers: bytes = b"") -> tuple[int, bytes]:
    """One HTTP/1.1 request with the request-target exactly as given (no client normalises it); status and head."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: " + parts.netloc.encode()
                           + b"\r\nConnection: close\r\n" + headers + b"\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received.split(b"\r\n\r\n", 1)[0]


# ---------------------------------------------------------------- headers

async def test_every_response_carries_the_security_headers(client):
    paths = [*page_mix(ROOT, NAME), "/", "/-/versions.json", "/assets/project.css", "/-/static/app.css",
             "/no-such-page", f"{DB}/no_such_table", sql_path("select nonsense"), "//etc/passwd"]
    for path in paths:
        assert_security_headers(await client.get(path), path)
        assert_security_headers(await client.head(path), ("HEAD", path))
    assert_security_headers(await client.post("/", data={"a": "b"}), "POST")
    cached = await client.get("/")
    assert_security_headers(await client.get("/", headers={"if-none-match": cached.headers["etag"]}), "304")
    assert_security_headers(await client.get("/", headers={"cookie": "ds_actor=x"}), "with a cookie")


async def test_the_content_security_policy_allows_exactly_the_inline_scripts_the_pages_have(client):
    """No inline script of any page comes from the data: each is one of Datasette's or a plugin's fixed scripts,
    whose hash CONTENT_SECURITY_POLICY lists (datasette_config.py, the one place to extend it); no page has an
    inline event handler or a javascript: URL."""
    allowed = set(CONTENT_SECURITY_POLICY["script-src"])
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
    for path in [*page_mix(ROOT, NAME), sql_path("select 1").replace(".json", ""), f"{DB}/persons/shashi-tharoor"]:
        page = (await client.get(path)).text
        for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, re.S):
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, (path, script[:200])
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), path
        assert "javascript:" not in page.lower(), path


# ---------------------------------------------------------------- SQLite: authorizer and limits

@pytest.mark.parametrize("sql", [
    "select hex(fts3_tokenizer('simple'))",  # the address of a tokenizer module in libsqlite3
    "select load_extension('/nonexistent')",
    "select * from pragma_database_list()",  # the database file's absolute path
    "select file from pragma_database_list",
])
async def test_functions_that_reveal_memory_or_files_are_refused(client, sql):
    response = await client.get(sql_path(sql))
    assert response.status_code == 400
    assert re.search(r"not authorized|prohibited", response.json()["error"])


def test_the_authorizer_and_limits_hold_on_any_hardened_connection(built_db):
    connection = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    harden_connection(connection)
    for function in sorted(DENIED_FUNCTIONS):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized|no such function"):
            connection.execute(f"select {function}('x')")
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):  # no other file is opened through it
        connection.execute(f"attach database '{built_db}' as other")
    with pytest.raises(sqlite3.DataError, match="too big"):
        connection.execute("select zeroblob(?)", [SQLITE_VALUE_LIMIT + 1])
    assert tuple(connection.execute("select length(zeroblob(?))", [SQLITE_VALUE_LIMIT]).fetchone()) == (SQLITE_VALUE_LIMIT,)
    # printf is SQLite's own below the bound
    assert tuple(connection.execute("select printf('%05d|%.3s|%-4s|%%|%.*c', 42, 'abcdef', 'x', 3, 'y')").fetchone()) == \
        ("00042|abc|x   |%|yyy",)
    assert tuple(connection.execute("select format('%s-%d', 'a', 7)").fetchone()) == ("a-7",)
    # a whole result is bounded too: 100 rows of 200 kB values pass, 1,000 do not (MAX_RESULT_BYTES, 16 MiB)
    rows = "with recursive c(i) as (select 1 union all select i + 1 from c where i < ?) select printf('%200000c', 'x') from c"
    assert len(connection.execute(rows, [60]).fetchall()) == 60
    with pytest.raises(sqlite3.DataError, match="result too big"):
        connection.execute(rows, [1000]).fetchall()


@pytest.mark.parametrize("sql", [
    "select printf('%.*c', 600000000, 'x')",  # issue 10: past 1 s and ~700 MB before
    "select printf('%600000000c', 'x')",
    "select format('%!.*c', '600000000', 'x')",
    "select length(printf('%.*c', 100000000, 'x'))",
    "select zeroblob(500000000)", "select randomblob(500000000)",
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000) "
    "select printf('%.*c', 1000000, 'x'), printf('%.*c', 1000000, 'y') from c",
    # values just under the length limit, 1,000 rows of them: the whole result is bounded (16 MiB)
    "with recursive c(i) as (select 1 union all select i + 1 from c where i < 1000) select zeroblob(260000) from c",
    "with recursive c(i) as (select 1 union all select i + 1 from c where i < 1000) "
    "select printf('%260000c', 'x'), printf('%260000c', 'y') from c",
])
async def test_one_call_cannot_allocate_hundreds_of_megabytes(client, sql):
    """Bound: answered within 2 s, and the peak memory of this process grows by less than 64 MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    response = await client.get(sql_path(sql))
    assert time.monotonic() - started < 2
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024 < 64
    if response.status_code == 200:  # NULL, as SQLite answers a printf past the length limit
        assert all(value is None for row in response.json()["rows"] for value in row)
    else:
        assert response.status_code == 400 and "too big" in response.json()["error"]


@pytest.mark.parametrize("sql", ["select 1 as table_name, 2 as row_id",
                                 "select 1 as source_id, 1.5 as evidence_start, x'00' as evidence_end, 'e' as evidence"])
async def test_custom_sql_with_values_of_any_type_renders(client, sql):
    """Red team: the plugin's cell links assumed strings and answered 500 to these."""
    assert (await client.get(sql_path(sql).replace(".json?", "?"))).status_code == 200


async def test_values_up_to_the_limit_still_work(client):
    # SQLite's printf keeps room for a terminating NUL: its longest string is one byte under the limit
    data = (await client.get(sql_path(f"select length(printf('%.*c', {SQLITE_VALUE_LIMIT - 1}, 'x')) as n"))).json()
    assert data["rows"] == [[SQLITE_VALUE_LIMIT - 1]]


# ---------------------------------------------------------------- odd requests and what the log shows

ODD_TARGETS = [
    b"//etc/passwd", b"/..%2f..%2f..%2fetc%2fpasswd", b"/%2e%2e/%2e%2e/etc/passwd", b"/assets/..%2f..%2fscripts",
    b"/assets/%2e%2e/%2e%2e/scripts/datasette_app.py", b"/-/static/..%2f..%2fapp.py",
    b"/" + b"a" * 5000, b"/?" + b"q=" + b"x" * 20000, b"/" + NAME.encode() + b"?" + b"&a=b" * 5000,
    b"/%00", b"/" + NAME.encode() + b"/persons/%00", b"/%01%02", b"/%7f",
    b"/%ff%fe", b"/%ED%A0%80", b"/%C0%AE%C0%AE/etc", b"/%E2%80%AE" + NAME.encode(), b"/%E2%80%8B",
    b"/" + NAME.encode() + b"/persons%EF%BB%BF", b"/%EF%BF%BE", b"/%F4%8F%BF%BF",
    b"/" + NAME.encode() + b"//persons", b"/" + NAME.encode() + b"/./persons",
]


def test_odd_requests_answer_404_without_a_traceback(live_server):
    """Bound: every one answered within 10 s; the status is 404 (the guard's) and the log stays free of tracebacks."""
    before = live_server.log.read_bytes()
    for target in ODD_TARGETS:
        for method in (b"GET", b"HEAD"):
            status, head = raw_request(live_server.url, target, method)
            assert status == 404, (method, target[:80], head[:200])
            assert b"x-content-type-options: nosniff" in head.lower()
    # a byte that may not appear in a request line is refused by the HTTP parser itself, before any code of ours
    for target in (b"/\x00", b"/a b", b"/\xff"):
        assert raw_request(live_server.url, target)[0] in (400, 404)
    log = live_server.log.read_bytes()[len(before):]
    assert b"Traceback" not in log and b"Error" not in log, log[:2000]


def test_unicode_letters_and_symbols_get_datasettes_own_answer(live_server):
    """Printable Unicode is a name Datasette may have: it redirects to the tilde-encoded address (same site) or
    answers 404, with the headers."""
    for target in ("/" + NAME + "/persons/%F0%9F%92%A9", "/%D8%A7%D9%84%D8%B9", "/" + NAME + "/%E4%BA%BA"):
        status, head = raw_request(live_server.url, target.encode())
        assert status in (302, 404) and b"content-security-policy" in head.lower(), (target, head[:300])
        location = re.search(rb"\r\nlocation: ([^\r]*)", head, re.I)
        assert status == 404 or location.group(1).startswith(b"/"), head


# ---------------------------------------------------------------- nothing of the machine in any response

def machine_paths(built_db) -> list[str]:
    return sorted({str(ROOT), str(built_db.parent), sys.prefix, sys.base_prefix, str(Path.home()), "site-packages",
                   "/tmp/", "/work/"}, key=len, reverse=True)


async def test_no_response_shows_an_absolute_path_of_the_machine(client, built_db):
    paths = [*page_mix(ROOT, NAME), "/-/threads.json", "/-/threads", "/-/databases.json", "/-/versions.json",
             "/-/plugins.json?all=1", "/-/settings.json", "/-/metadata.json", "/-/actor.json", f"{DB}.json",
             sql_path("select * from pragma_table_info('persons')"), sql_path("select sqlite_source_id()"),
             sql_path("select * from pragma_function_list()"), sql_path("select * from nonexistent"),
             sql_path("attach database '/etc/passwd' as x"), sql_path("select * from pragma_database_list()"),
             f"{DB}/persons.json?_sort=nonexistent", f"{DB}/persons?_where=1/0", "/nope"]
    for path in paths:
        text = (await client.get(path)).text
        for machine_path in machine_paths(built_db):
            assert machine_path not in text, (path, machine_path)


def test_the_server_starts_from_a_read_only_build_directory_and_writes_nothing(live_server):
    """The session's build directory is mode 0555 and the server started from it: nothing was added beside the
    database (no .inspect.json, no journal). The tests run as root here, whom modes do not stop, so the listing
    is what proves it."""
    assert live_server.db.parent.stat().st_mode & 0o222 == 0
    assert httpx.get(live_server.url + "/").status_code == 200
    assert sorted(p.name for p in live_server.db.parent.iterdir()) == [live_server.db.name]
    databases = httpx.get(live_server.url + "/-/databases.json").json()
    assert [(d["name"], d["is_mutable"], "path" in d) for d in databases] == [(NAME, False, False)]


def test_row_counts_and_hash_are_computed_in_memory(built_db):
    ds = make_datasette(built_db)
    assert ds.inspect_data[NAME]["hash"] == hashlib.sha256(built_db.read_bytes()).hexdigest()
    connection = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    assert ds.inspect_data[NAME]["tables"]["persons"]["count"] == connection.execute(
        "select count(*) from persons").fetchone()[0]
    assert "file" not in ds.inspect_data[NAME]


def test_oversized_headers_are_refused_and_the_server_stays_up(live_server):
    """uvicorn's httptools parser reads headers of any size; the guard answers 431 past 32 kB of headers. Bound:
    an 8 MB header answered within the 10 s socket timeout, and the next request still served."""
    status, head = raw_request(live_server.url, b"/", headers=b"X-A: " + b"a" * (8 << 20) + b"\r\n")
    assert status == 431 and b"x-frame-options: deny" in head.lower()
    status, _ = raw_request(live_server.url, b"/", headers=b"X-A: b\r\n" * 20000)
    assert status == 431
    status, _ = raw_request(live_server.url, b"/", headers=b"If-None-Match: " + b'"a",' * 100000 + b"\r\n")
    assert status == 431
    assert raw_request(live_server.url, b"/", headers=b"If-None-Match: *\r\n")[0] == 304
    assert raw_request(live_server.url, b"/")[0] == 200
