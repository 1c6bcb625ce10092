"""Load test of the served dataset: the project's server against plain Datasette on the same database, with the
same page mix, one after the other in one run; prints requests, errors, throughput and latency percentiles of each,
and the ratio.

    python -m scripts.loadtest [--requests 5000] [--concurrency 50] [--url http://127.0.0.1:PORT] [--record]
    python -m scripts.loadtest --layers [--requests 3000]    # what each layer of the server buys

The project's server is `python -m scripts.datasette_app` (what `make serve` runs: guard and headers, response
cache, gzip, 2 uvicorn workers); plain Datasette is `datasette serve -i` of the same database with the project's
metadata, plugin, templates and settings passed on Datasette's own command line (so every page of the mix exists
on both). Both are started on free ports of 127.0.0.1 and stopped afterwards; the client is httpx, on the same
machine, asking for gzip like a browser. --url measures an already running server alone. --record writes the
figures into docs/reliability.md (--layers: docs/benchmarks.md) between their markers. Timings are reported,
never judged: the exit status is 1 only when a request failed (a transport error or a status other than 200).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path

import httpx

from scripts.build_sqlite import default_output
from scripts.csvio import read_rows
from scripts.datasette_config import CODE_ROOT, PLUGINS_DIR, STATIC_DIR, STATIC_MOUNT, TEMPLATES_DIR, article_path

RECORD_FILE = "docs/reliability.md"
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"


def page_mix(root: Path, db_name: str) -> list[str]:
    """The paths a researcher hits, each weighted once: pages, rows, search, canned queries, article, exports."""
    source_id = read_rows(root / "data" / "sources.csv")[0]["source_id"]
    person = read_rows(root / "data" / "persons.csv")[0]["person_id"]
    delegation = read_rows(root / "data" / "delegations.csv")[0]["delegation_id"]
    d = f"/{db_name}"
    return [
        "/", d, f"{d}/persons", f"{d}/quotes?kind=direct", f"{d}/events?_sort=date_start", f"{d}/organizations",
        f"{d}/persons/{person}", f"{d}/delegations/{delegation}",
        f"{d}/quotes?_search=ceasefire", f"{d}/sentences?_search=delegation",
        f"{d}/who_said_what?speaker=", f"{d}/delegation_roster?delegation={delegation}",
        f"{d}/timeline?date_from=2025-04-01&date_to=2025-06-30", f"{d}/person_profile?person={person}",
        article_path(source_id), f"{d}/events.json", f"{d}/persons.json?_shape=array", f"{d}/quotes.csv",
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def started(command: list[str], port: int, cwd: Path | None = None, log=subprocess.DEVNULL):
    """Run a server command until the block ends; yields its URL once / answers."""
    env = {**os.environ, "PYTHONPATH": str(CODE_ROOT)}
    server = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"loadtest: the server did not start: {' '.join(command)}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def server_command(root: Path, db: Path, port: int, *options: str) -> list[str]:
    """The command line `make serve` runs (scripts/datasette_app.py), on a given port, with extra options."""
    return [sys.executable, "-m", "scripts.datasette_app", "--root", str(root), "--db", str(db), "--port", str(port),
            *options]


@contextmanager
def served(root: Path, db: Path, *options: str, log=subprocess.DEVNULL):
    port = free_port()
    with started(server_command(root, db, port, *options), port, log=log) as url:
        yield url


@contextmanager
def plain_served(db: Path):
    """`datasette serve -i` of the same database with the project's configuration, on Datasette's command line."""
    from scripts.datasette_app import SETTINGS, stored_metadata

    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        metadata = Path(scratch) / "metadata.json"
        metadata.write_text(json.dumps(stored_metadata(db)), encoding="utf-8")
        settings = [part for name, value in SETTINGS.items() for part in ("--setting", name, str(value).lower())]
        command = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "--metadata", str(metadata),
                   "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR),
                   "--static", f"{STATIC_MOUNT}:{STATIC_DIR}", *settings, "--host", "127.0.0.1", "--port", str(port)]
        with started(command, port) as url:
            yield url


async def hammer(url: str, paths: list[str], total: int, concurrency: int) -> dict:
    """total GET requests over paths in turn, concurrency at a time, each on a keep-alive connection, asking for gzip
    like a browser. aiohttp rather than httpx: httpx's async client spent ~6 ms of CPU a request at concurrency 50,
    so the client, not the server, set the pace."""
    import aiohttp

    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = iter(range(total))

    def failed(what: str) -> None:
        errors[what] = errors.get(what, 0) + 1

    async def worker(session):
        for index in counter:
            path = paths[index % len(paths)]
            started = time.perf_counter()
            try:
                async with session.get(url + path, allow_redirects=False) as response:
                    await response.read()
                    if response.status != 200:
                        failed(f"{response.status} {path}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                failed(f"{type(error).__name__} {path}")
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60),
                                     headers={"Accept-Encoding": "gzip"}) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "errors": sum(errors.values()), "error_detail": errors,
            "seconds": elapsed, "throughput": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000,
            "concurrency": concurrency, "pages": len(paths)}


def summary(result: dict) -> str:
    return (f"{result['requests']} requests at concurrency {result['concurrency']} over {result['pages']} pages: "
            f"{result['errors']} errors, {result['throughput']:.0f} requests/s, "
            f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms "
            f"({result['seconds']:.1f} s)")


LAYERS = (  # (label, options of scripts.datasette_app): each row adds one layer to the row above
    ("Datasette alone (no cache, no gzip, 1 worker)", ("--no-cache", "--no-gzip", "--workers", "1")),
    ("+ gzip", ("--no-cache", "--workers", "1")),
    ("+ response cache", ("--workers", "1")),
    ("+ second worker (what `make serve` runs)", ("--workers", "2")),
    ("cache and 2 workers, no gzip", ("--no-gzip", "--workers", "2")),
)
BENCH_FILE = "docs/benchmarks.md"
LAYERS_START, LAYERS_END = "<!-- loadtest-layers:start -->", "<!-- loadtest-layers:end -->"


def machine() -> str:
    return (f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.2f} at the end")


def write_between(target: Path, start: str, end: str, block: str) -> None:
    text = target.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"loadtest: {target} lacks the markers {start} ... {end}")
    before, rest = text.split(start, 1)
    target.write_text(before + start + "\n" + block + "\n" + end + rest.split(end, 1)[1], encoding="utf-8")


def comparison(ours: dict, plain: dict) -> str:
    return (f"    project server (make serve): {summary(ours)}\n"
            f"    plain datasette serve -i:    {summary(plain)}\n"
            f"    throughput ratio: {ours['throughput'] / plain['throughput']:.1f} x; "
            f"p95 ratio: {plain['p95_ms'] / ours['p95_ms']:.1f} x lower")


def measure_layers(root: Path, db: Path, paths: list[str], total: int, concurrency: int) -> list[tuple[str, dict]]:
    results = []
    for label, options in LAYERS:
        with served(root, db, *options) as url:
            results.append((label, asyncio.run(hammer(url, paths, total, concurrency))))
        print(f"{label}: {summary(results[-1][1])}", flush=True)
    return results


def layers_table(results: list[tuple[str, dict]]) -> str:
    lines = ["| server | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {label} | {r['throughput']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['errors']} |" for label, r in results]
    first = results[0][1]
    return (f"{machine()}; {first['requests']} requests at concurrency {first['concurrency']} over "
            f"{first['pages']} pages for each row:\n\n" + "\n".join(lines))


def main(argv=None, project_url: str | None = None) -> int:
    """The command line; project_url is the project's server already running there (the tests' live server, started
    by served() as this would start it), measured in the comparison instead of a new one."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--url", help="an already running server, measured alone")
    parser.add_argument("--layers", action="store_true", help="measure each layer of the server in turn")
    parser.add_argument("--record", action="store_true", help=f"write the figures into {RECORD_FILE} ({BENCH_FILE})")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    root = Path(args.root)
    db = default_output(root)
    if not args.url and not db.is_file():
        print(f"loadtest: {db} does not exist: run `make build` first", file=sys.stderr)
        return 1
    paths = page_mix(root, db.stem)
    if args.url:
        results = [asyncio.run(hammer(args.url, paths, args.requests, args.concurrency))]
        print(summary(results[0]))
    elif args.layers:
        layers = measure_layers(root, db, paths, args.requests, args.concurrency)
        results = [r for _, r in layers]
        if args.record:
            write_between(root / BENCH_FILE, LAYERS_START, LAYERS_END, layers_table(layers))
    else:
        with plain_served(db) as url:
            plain = asyncio.run(hammer(url, paths, args.requests, args.concurrency))
        with nullcontext(project_url) if project_url else served(root, db) as url:
            ours = asyncio.run(hammer(url, paths, args.requests, args.concurrency))
        results = [ours, plain]
        print(comparison(ours, plain))
        if args.record:
            write_between(root / RECORD_FILE, START, END, f"{machine()}:\n\n{comparison(ours, plain)}")
    for result in results:
        for what, count in sorted(result["error_detail"].items()):
            print(f"  {count} x {what}", file=sys.stderr)
    return 1 if any(result["errors"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
