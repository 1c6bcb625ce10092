"""Shared test helpers: a copy of the real package in a temp dir, cell edits on it, and running the check."""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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


def run_check(package_dir: Path, *args: str) -> CheckResult:
    return run_module("scripts.check", str(package_dir / "datapackage.json"), *args)


def copy_package(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for part in PACKAGE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def package(tmp_path) -> Path:
    """A fresh copy of the real package, to break."""
    return copy_package(tmp_path / "package")


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


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


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The real package's database, built once per test session (the build runs the check)."""
    from scripts.build_sqlite import build_database, package_name

    return build_database(ROOT, tmp_path_factory.mktemp("built") / f"{package_name(ROOT)}.db")


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

    return make_datasette(built_db, ROOT)
