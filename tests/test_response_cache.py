"""The response cache and HTTP caching of the server (issue 15): cached answers are the uncached ones, byte for byte;
ETag, 304, HEAD, Cache-Control, gzip and Vary; what is never cached; the memory cap; the deployment recipe runs the
command line of `make serve`. In-process through the whole ASGI stack (scripts.datasette_app.served_app); the
real process only where workers are under test."""
from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
from pathlib import Path

import httpx
import pytest

from scripts.datasette_app import served_app
from scripts.datasette_config import SECURITY_HEADERS, article_path
from scripts.loadtest import page_mix, server_command
from scripts.response_cache import ResponseCache, normalised_query
from tests.conftest import ROOT

pytestmark = pytest.mark.anyio
NAME = "india-pakistan-delegations-washington-2025"
DB = f"/{NAME}"
PER_ANSWER = {"etag", "cache-control", "vary", "content-length", "content-encoding"}  # set by the cache, per answer


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


def cache_of(app) -> ResponseCache:
    """The ResponseCache inside the guard and gzip layers of served_app."""
    layer = app
    while not isinstance(layer, ResponseCache):
        layer = layer.app
    return layer


@pytest.fixture(scope="module")
def cached_app(built_db):
    return served_app(built_db)


@pytest.fixture(scope="module")
def uncached_app(built_db):
    return served_app(built_db, cache_mib=0)


def client_of(app, **headers):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8001",
                             headers=headers)


def comparable(response) -> tuple:
    """Status, headers (less the per-answer ones) and body. JSON's query_ms, the time the database took for the one
    computation, is the only part of an answer that differs between two computations of the same page."""
    body = response.content
    if response.headers.get("content-type", "").startswith("application/json"):
        body = re.sub(rb'"query_ms": [0-9.e-]+', b'"query_ms": 0', body)
    headers = sorted((k, v) for k, v in response.headers.items() if k not in PER_ANSWER)
    return response.status_code, headers, body


async def test_cached_answers_are_byte_identical_to_uncached_ones(cached_app, uncached_app):
    paths = page_mix(ROOT, NAME)
    assert all(normalised_query(p.partition("?")[2].encode()) == p.partition("?")[2].encode() for p in paths)
    for encoding in ("identity", "gzip"):
        async with client_of(cached_app, **{"accept-encoding": encoding}) as cached, \
                client_of(uncached_app, **{"accept-encoding": encoding}) as uncached:
            for path in paths:
                first, hit, fresh = await cached.get(path), await cached.get(path), await uncached.get(path)
                assert first.status_code == 200 and hit.headers["etag"] == first.headers["etag"], path
                assert comparable(hit) == comparable(fresh) == comparable(first), (encoding, path)
                assert hit.content == first.content  # the cache's own answers do not vary at all
                if encoding == "gzip" and len(hit.content) >= 500:
                    assert hit.headers["content-encoding"] == "gzip", path
    assert cache_of(cached_app).hits >= 2 * len(paths)


async def test_the_cache_is_warmed_at_start_with_home_tables_and_article(built_db):
    app = served_app(built_db, host="127.0.0.1:8001")
    cache = cache_of(app)
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert sent[0] == "lifespan.startup.complete"
    paths = {key[1].decode() for key in cache.entries}
    assert {"/", DB, f"{DB}/persons", f"{DB}/evidence_spans", article_path("myind-2025-06-04-bhutto-isi-raw")} <= paths
    assert len(cache.entries) == len(cache.warm_paths) and cache.hits == 0
    async with client_of(app) as client:
        await client.get(f"{DB}/quotes")
    assert cache.hits == 1  # the warmed answer, for a client sending the Host `make serve` announces


async def test_etag_304_head_and_cache_control(cached_app):
    async with client_of(cached_app) as client:
        page = await client.get(f"{DB}/persons")
        etag = page.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}-gzip"', etag)  # strong: no W/
        assert page.headers["cache-control"] == "public, max-age=3600"
        assert page.headers["vary"] == "Accept-Encoding"
        not_modified = await client.get(f"{DB}/persons", headers={"if-none-match": f'"other", {etag}'})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        assert (await client.get(f"{DB}/persons", headers={"if-none-match": '"other"'})).status_code == 200
        head = await client.head(f"{DB}/persons")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == page.headers["content-length"] and head.headers["etag"] == etag
        plain = await client.get(f"{DB}/persons", headers={"accept-encoding": "identity"})
        assert plain.headers["etag"] == etag.removesuffix('-gzip"') + '"' and "content-encoding" not in plain.headers
        other = await client.get("/")
        assert other.headers["etag"] != etag


async def test_what_is_never_cached(built_db):
    app = served_app(built_db)
    cache = cache_of(app)
    async with client_of(app) as client:
        for path in ("/no-such-page", f"{DB}/no_such_table", f"{DB}.json?sql=select+nonsense"):
            assert (await client.get(path)).status_code >= 400
        with_cookie = await client.get(f"{DB}/persons", headers={"cookie": "ds_actor=someone"})
        traced = await client.get(f"{DB}/persons?_trace=1")
        authorised = await client.get(f"{DB}/persons", headers={"authorization": "Bearer x"})
        refused = await client.post(f"{DB}/persons")
    assert with_cookie.status_code == traced.status_code == authorised.status_code == 200
    assert "etag" not in with_cookie.headers and "etag" not in traced.headers and refused.status_code == 405
    assert cache.entries == {} and cache.hits == 0


async def test_one_client_host_never_reaches_another(built_db):
    """Datasette writes absolute URLs from the Host header: the Host is part of the key."""
    app = served_app(built_db)
    async with client_of(app) as client:
        evil = await client.get(f"{DB}/persons.json", headers={"host": "evil.example"})
        honest = await client.get(f"{DB}/persons.json")
    assert "evil.example" in evil.text and "evil.example" not in honest.text


async def test_query_strings_are_normalised_and_the_application_gets_the_normalised_one(cached_app):
    assert normalised_query(b"a=%7e&b=x+y&&c") == b"a=~&b=x%20y&c="
    async with client_of(cached_app) as client:
        one = await client.get(f"{DB}/quotes?_search=cease%66ire")
        two = await client.get(f"{DB}/quotes?_search=ceasefire")
    assert one.headers["etag"] == two.headers["etag"] and one.content == two.content


# ---------------------------------------------------------------- the cache alone, on a small application

def app_answering(bodies: dict[str, bytes], chunk: int = 1 << 16):
    async def app(scope, receive, send):
        body = bodies.get(scope["path"], b"")
        await send({"type": "http.response.start", "status": 200 if body else 404,
                    "headers": [(b"content-type", b"text/csv; charset=utf-8")]})
        for start in range(0, max(len(body), 1), chunk):
            await send({"type": "http.response.body", "body": body[start:start + chunk],
                        "more_body": start + chunk < len(body)})
    return app


async def test_the_cache_stays_under_its_cap_and_streams_large_bodies():
    bodies = {f"/page{n}": bytes([65 + n % 26]) * 100_000 for n in range(40)}
    bodies["/large.csv"] = b"x,y\n" * 1_000_000  # 4 MB
    cache = ResponseCache(app_answering(bodies), version="v", max_bytes=1_000_000, max_entry_bytes=300_000,
                          gzip_min_bytes=None)
    async with client_of(cache) as client:
        for path in bodies:
            response = await client.get(path)
            assert response.content == bodies[path], path
        assert (await client.head("/large.csv")).content == b""
    assert cache.bytes <= 1_000_000 and 0 < len(cache.entries) <= 10
    assert all(key[1] != b"/large.csv" for key in cache.entries)
    assert list(cache.entries)[-1][1] == b"/page39"  # least recently used went first


# ---------------------------------------------------------------- security unchanged with the cache

async def test_headers_limits_and_refusals_are_the_same_with_and_without_the_cache(cached_app, uncached_app):
    kept = ["/", f"{DB}/persons"]  # asked twice: a miss, then the cache's own answer
    refused = [f"{DB}.json?sql=select+hex(fts3_tokenizer('simple'))",
               f"{DB}.json?sql=with+recursive+c(x)+as+(select+1+union+all+select+x%2B1+from+c)+select+count(*)+from+c",
               "//etc/passwd", "/%00"]  # never kept (test_what_is_never_cached): asked once
    async with client_of(cached_app) as cached, client_of(uncached_app) as uncached:
        for path in kept * 2 + refused:
            # side by side: the runaway query takes the whole time limit (1 s) on each
            a, b = await asyncio.gather(cached.get(path), uncached.get(path))
            assert a.status_code == b.status_code, path
            assert {k: a.headers.get(k) for k in SECURITY_HEADERS} == {k: b.headers.get(k) for k in SECURITY_HEADERS}
        assert (await cached.post("/")).status_code == (await uncached.post("/")).status_code == 405


# ---------------------------------------------------------------- workers and the deployment recipe

def test_make_serve_runs_two_workers_and_the_dockerfile_the_same_command_line():
    dry_run = subprocess.run(["make", "-n", "serve", "HOST=0.0.0.0", "PORT=8001"], cwd=ROOT, capture_output=True,
                             text=True)
    make_line = next(line for line in dry_run.stdout.splitlines() if "scripts.datasette_app" in line)
    make_args = shlex.split(make_line)[1:]  # after the interpreter
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert command[0] == "python" and command[1:] == make_args
    assert make_args[:2] == ["-m", "scripts.datasette_app"] and make_args[make_args.index("--workers") + 1] == "2"
    assert server_command(ROOT, ROOT / "x.db", 1)[1:3] == make_args[:2]  # what the tests' live server runs
    assert "USER nobody" in dockerfile and "chmod -R a-w build" in dockerfile


def test_the_live_server_runs_two_worker_processes(live_server):
    port = str(int(live_server.url.rsplit(":", 1)[1])).encode()
    processes = {}  # pid -> (parent pid, command line)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rsplit(")", 1)[1].split()[1]
            processes[stat.parent.name] = (parent, (stat.parent / "cmdline").read_bytes())
        except (OSError, IndexError):
            continue
    servers = [pid for pid, (_, command) in processes.items()
               if b"scripts.datasette_app" in command and b"--port\0" + port + b"\0" in command]
    assert len(servers) == 1
    # uvicorn's workers are multiprocessing children (a resource tracker may run beside them)
    assert sum(1 for parent, command in processes.values() if parent == servers[0] and b"spawn_main" in command) == 2
    assert httpx.get(live_server.url + "/").status_code == 200


async def test_concurrent_misses_of_one_page_compute_it_once():
    calls = []

    async def slow_app(scope, receive, send):
        calls.append(scope["path"])
        await asyncio.sleep(0.05)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"page " + scope["path"].encode()})

    cache = ResponseCache(slow_app, version="v", max_bytes=1_000_000)
    async with client_of(cache) as client:
        answers = await asyncio.gather(*(client.get("/a") for _ in range(10)), client.get("/b"))
    assert [a.text for a in answers] == ["page /a"] * 10 + ["page /b"]
    assert sorted(calls) == ["/a", "/b"] and cache.hits == 9
