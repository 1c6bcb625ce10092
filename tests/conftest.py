"""Shared test helpers: a copy of the real package in a temp dir, cell edits on it, and running the check."""
from __future__ import annotations

import csv
import fcntl
import functools
import gc
import io
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.csvio import render_csv

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_905ae90385d1da76.txt"
PACKAGE_PARTS = ("datapackage.json", "data", "schemas", "seeds")


@dataclass
class CheckResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_module(module: str, *args: str, cwd: Path = ROOT, timeout: int = 300) -> CheckResult:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True,
                               text=True, timeout=timeout)
    return CheckResult(completed.returncode, completed.stdout, completed.stderr)


@functools.cache
def package_files() -> tuple[tuple[str, bytes, int], ...]:
    """(relative path, bytes, mode) of every file of the real package, read once a process: hundreds of tests break
    a copy of it, and shutil.copytree took 13 ms a copy, writing these 2 ms."""
    files = []
    for part in PACKAGE_PARTS:
        source = ROOT / part
        for path in sorted(source.rglob("*")) if source.is_dir() else [source]:
            if path.is_file():
                files.append((str(path.relative_to(ROOT)), path.read_bytes(), path.stat().st_mode & 0o777))
    return tuple(files)


def copy_package(target: Path) -> Path:
    """A copy of the real package's files (datapackage.json, data/, schemas/, seeds/) under target."""
    target.mkdir(parents=True, exist_ok=True)
    base = str(target)
    made = set()
    for relative, data, mode in package_files():
        folder = os.path.dirname(relative)
        if folder and folder not in made:
            os.makedirs(os.path.join(base, folder), exist_ok=True)
            made.add(folder)
        file = os.open(os.path.join(base, relative), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            if os.write(file, data) != len(data):  # a regular file takes all of it at once, or says why
                raise OSError(f"short write of {relative}")
        finally:
            os.close(file)
    return target


@pytest.fixture(scope="session")
def real_check() -> CheckResult:
    """The check of the real package, run once a session in this process: exit status, text and JSON output
    (stdout: the text report, then a line '--- json ---', then the JSON report)."""
    import contextlib

    from scripts.check import main

    outputs = []
    for args in ([], ["--format", "json"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(ROOT / "datapackage.json"), *args])
        outputs.append((code, out.getvalue(), err.getvalue()))
    (text_code, text, text_err), (json_code, as_json, json_err) = outputs
    assert text_code == json_code
    return CheckResult(text_code, text + "--- json ---\n" + as_json, text_err + json_err)


@pytest.fixture
def package(tmp_path) -> Path:
    """A fresh copy of the real package, to break."""
    return copy_package(tmp_path / "package")


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    """Write a table as the package writes its CSVs (scripts/csvio.py), so a broken copy differs only where meant."""
    path.write_bytes(render_csv(header, rows).encode("utf-8"))


def line_of(path: Path, column: str, value: str) -> int:
    """The physical line on which the first row whose column holds value starts (a cell may span lines)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        previous_end = reader.line_num
        for cells in reader:
            if dict(zip(header, cells)).get(column) == value:
                return previous_end + 1
            previous_end = reader.line_num
    raise AssertionError(f"{value!r} not in {path}:{column}")


def set_cell(package_dir: Path, table: str, key_column: str, key: str, column: str, value: str) -> int:
    """Edit one cell of a copy; returns the edited row's line."""
    path = package_dir / "data" / f"{table}.csv"
    header, rows = read_csv(path)
    line = line_of(path, key_column, key)
    next(row for row in rows if row[key_column] == key)[column] = value
    write_csv(path, header, rows)
    return line


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- one database and one server per test session

@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The real package's database, built once for the session (in a directory of its own, made read-only)."""
    from scripts.build_sqlite import build_database, package_name

    directory = tmp_path_factory.mktemp("build")
    db = build_database(ROOT, directory / f"{package_name(ROOT)}.db")
    directory.chmod(0o555)
    return db


@dataclass
class LiveServer:
    url: str
    log: Path  # the server's stdout and stderr
    db: Path  # the database it serves (under pytest-xdist: the session build of the worker that started it)


@pytest.fixture(scope="session")
def live_server(built_db, tmp_path_factory):
    """`python -m scripts.datasette_app` (what `make serve` runs, 2 workers) on a free port of 127.0.0.1, for the
    tests that need the real process: its log, its sockets, raw HTTP. One for all pytest-xdist workers."""
    from scripts.loadtest import served

    @contextmanager
    def start():
        log = tmp_path_factory.mktemp("server") / "server.log"
        with open(log, "wb") as handle, served(ROOT, built_db, log=handle) as url:
            yield LiveServer(url, log, built_db)

    with shared_by_workers(tmp_path_factory, start) as server:
        yield server


# ---------------------------------------------------------------- one live server for all pytest-xdist workers

@contextmanager
def workers_lock(directory: Path):
    with open(directory / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def shared_by_workers(tmp_path_factory, start):
    """The LiveServer that start() yields, one for all the pytest-xdist workers of a run (each start imports
    Datasette in both uvicorn workers and warms their caches): the first worker to need it starts it, the others use it, and
    its starter stops it once no other live worker uses it. Without xdist, start() itself."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        with start() as server:
            yield server
        return
    shared = tmp_path_factory.getbasetemp().parent / "live-server"  # the run's directory, above each worker's
    shared.mkdir(exist_ok=True)
    state, user = shared / "server.json", shared / f"user-{os.getpid()}"
    with workers_lock(shared):
        if state.exists():
            user.touch()
            found = json.loads(state.read_text())
            server, started = LiveServer(found["url"], Path(found["log"]), Path(found["db"])), None
        else:
            started = start()
            server = started.__enter__()
            state.write_text(json.dumps({"url": server.url, "log": str(server.log), "db": str(server.db)}))
    try:
        yield server
    finally:
        if started is None:
            user.unlink()
        else:
            try:
                while True:  # a worker that finished first waits here for the others still using the server
                    with workers_lock(shared):
                        if not any(process_alive(int(u.name.split("-")[1])) for u in shared.glob("user-*")):
                            state.unlink()
                            break
                    time.sleep(0.2)
            finally:  # also when interrupted: never leave the server running
                started.__exit__(None, None, None)


@pytest.fixture(scope="session")
def exports(built_db, tmp_path_factory) -> Path:
    """The exports of the real package (python -m scripts.export), written once per test session."""
    from scripts.export import write_exports

    output = tmp_path_factory.mktemp("exports")
    write_exports(built_db, ROOT, output)
    return output


@pytest.fixture(scope="session")
def served_datasette(built_db):
    """The configured Datasette (scripts.datasette_app.make_datasette) on the session's database, for in-process
    requests through its ASGI client."""
    from scripts.datasette_app import make_datasette

    return make_datasette(built_db)


class NetworkAttempt(OSError):
    pass


@pytest.fixture
def network_blocked(monkeypatch, tmp_path) -> Path:
    """Every way Python opens a connection or resolves a name raises, and is written down in the returned file
    (a file, so that an attempt made in the check's forked Frictionless process is seen too)."""
    record = tmp_path / "network-attempts.txt"

    def refuse(what):
        def blocked(*args, **kwargs):
            with open(record, "a", encoding="utf-8") as handle:
                handle.write(f"{what} {args[1:] if what.startswith('socket.') else args}\n")
            raise NetworkAttempt(f"network blocked by the test: {what}")
        return blocked

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, refuse(name))
    return record

# Markers by module, so that a test file says once what kind of test it holds (pytest.ini lists them).
MODULE_MARKERS = {"test_browser.py": "browser", "test_screenshots.py": "browser",
                  "test_trust_end_to_end.py": "slow"}


HEAVY_MARKERS = ("browser", "clients", "slow")
# Python's defaults (gc.get_threshold() of a fresh interpreter): what a measured child restores (tests/measured.py)
DEFAULT_GC_THRESHOLD = gc.get_threshold()


def pytest_collection_finish(session):
    """A test process holds many long-lived objects (the libraries it imported, Frictionless's metadata, the check's
    memo), which Python's cyclic collector would walk again at every full collection: what exists once the tests
    are collected is frozen out of its sight, and collections are rarer (measured: 5-10 % of the suite's CPU).
    Nothing here is a test's subject; a measured child (tests/measured.py) collects as `python -m` does."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        if "clients" in path.parts:
            item.add_marker("clients")
        marker = MODULE_MARKERS.get(path.name)
        if marker:
            item.add_marker(marker)
    items[:] = heavy_first(items)


def heavy_first(items: list) -> list:
    """The modules that hold a heavy test (a browser, a client, a measured input) first, and such tests first in
    their module; each module's tests stay together (its fixtures are set up once). pytest-xdist hands each worker
    a contiguous share of this order and an idle worker takes the end of another's: the run then ends on quick
    tests, not with one core waiting for a long one."""
    def heavy(item) -> bool:
        return any(item.get_closest_marker(name) for name in HEAVY_MARKERS)

    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(str(item.fspath), []).append(item)
    ordered = sorted(modules.values(), key=lambda tests: not any(heavy(test) for test in tests))
    return [test for tests in ordered for test in sorted(tests, key=lambda test: not heavy(test))]


# ---------------------------------------------------------------- a script's main(argv), run in this process

def assert_runs_as_a_module(module: str) -> None:
    """The smoke test of a script whose every other test calls its main in this process: `python -m module --help`
    starts, parses its arguments and says how it is used (an interpreter of its own costs no check)."""
    result = run_module(module, "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: ") and not result.stderr, result.output


def run_main(main, *args: str, cwd: Path = ROOT, pipe: Path | None = None) -> CheckResult:
    """Exit status, stdout and stderr of a script's main(argv), called in this process from cwd as `python -m`
    would call it (argparse's exit included): no new interpreter, and the check's verdict on a package is kept
    between calls. pipe: a named pipe a regression would hang on; if main still runs after 60 s, the pipe is
    opened for writing (so that its reader sees an end) and the test fails."""
    import contextlib
    import threading

    outcome: dict = {}

    def call():
        try:
            outcome["code"] = main(list(args))
        except SystemExit as exit_:
            if isinstance(exit_.code, str):  # sys.exit("message"): the interpreter prints it
                print(exit_.code, file=sys.stderr)
            outcome["code"] = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
        except BaseException as error:  # raised in the test, as a traceback would end the process
            outcome["error"] = error

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if pipe is None:
            call()
        else:
            worker = threading.Thread(target=call, daemon=True)
            worker.start()
            worker.join(60)
            if worker.is_alive():
                with contextlib.suppress(OSError):  # no reader: main hangs elsewhere, and fails all the same
                    os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
                worker.join(30)
                pytest.fail(f"{main.__module__}.main hung on the named pipe {pipe}")
    if "error" in outcome:
        raise outcome["error"]
    return CheckResult(outcome["code"], out.getvalue(), err.getvalue())
