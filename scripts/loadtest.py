"""Load test of the served dataset: a bounded number of requests at a set concurrency against `make serve`'s
server on 127.0.0.1, over the pages a researcher hits; prints requests, errors, throughput and latency
percentiles, then stops by itself.

    python -m scripts.loadtest [--requests 5000] [--concurrency 50] [--url http://127.0.0.1:PORT] [--record]

Without --url it builds nothing: it starts `python -m scripts.datasette_app` (the same entry point as `make serve`)
on a free port of 127.0.0.1 for the built database, and stops it afterwards. --record writes the figures into
docs/reliability.md between its markers. Timings are reported, never judged: the exit status is 1 only when a
request failed (a transport error or a status other than 200).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx

from scripts.build_sqlite import default_output
from scripts.csvio import read_rows

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
        f"/article/{source_id}", f"{d}/events.json", f"{d}/persons.json?_shape=array", f"{d}/quotes.csv",
    ]


@contextmanager
def served(root: Path, db: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    server = subprocess.Popen([sys.executable, "-m", "scripts.datasette_app", "--root", str(root), "--db", str(db),
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("loadtest: the Datasette server did not start")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


async def hammer(url: str, paths: list[str], total: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient):
        for index in counter:
            path = paths[index % len(paths)]
            started = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    errors[f"{response.status_code} {path}"] = errors.get(f"{response.status_code} {path}", 0) + 1
            except httpx.HTTPError as error:
                errors[f"{type(error).__name__} {path}"] = errors.get(f"{type(error).__name__} {path}", 0) + 1
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
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


def record(root: Path, result: dict) -> None:
    target = root / RECORD_FILE
    text = target.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"loadtest: {target} lacks the markers {START} ... {END}")
    load = os.getloadavg()[0]
    block = (f"{START}\nMeasured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
             f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.2f} at the end:\n\n"
             f"    {summary(result)}\n{END}")
    before, rest = text.split(START, 1)
    target.write_text(before + block + rest.split(END, 1)[1], encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--url", help="an already running server (default: start one on 127.0.0.1)")
    parser.add_argument("--record", action="store_true", help=f"write the figures into {RECORD_FILE}")
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
        result = asyncio.run(hammer(args.url, paths, args.requests, args.concurrency))
    else:
        with served(root, db) as url:
            result = asyncio.run(hammer(url, paths, args.requests, args.concurrency))
    print(summary(result))
    for what, count in sorted(result["error_detail"].items()):
        print(f"  {count} x {what}", file=sys.stderr)
    if args.record:
        record(root, result)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
