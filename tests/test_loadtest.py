"""A small load on the real server entry point: every request answered, figures printed (never asserted)."""
import asyncio

from scripts.build_sqlite import build_database
from scripts.loadtest import hammer, page_mix, served, summary
from tests.conftest import ROOT, copy_package


def test_a_few_hundred_requests_all_answered(tmp_path, capsys):
    package = copy_package(tmp_path / "package")
    name = "india-pakistan-delegations-washington-2025"
    db = build_database(package, package / "build" / f"{name}.db")
    paths = page_mix(package, db.stem)
    assert any(path.startswith("/article/") for path in paths) and any(path.endswith(".csv") for path in paths)
    with served(package, db) as url:
        result = asyncio.run(hammer(url, paths, total=300, concurrency=20))
    with capsys.disabled():
        print("\nloadtest:", summary(result))
    assert result["requests"] == 300
    assert result["errors"] == 0, result["error_detail"]


def test_failures_are_counted(tmp_path):
    package = copy_package(tmp_path / "package")
    db = build_database(package, package / "build" / "x.db")
    with served(package, db) as url:
        result = asyncio.run(hammer(url, ["/x/no-such-table", "/"], total=20, concurrency=4))
    assert result["errors"] == 10 and "404 /x/no-such-table" in result["error_detail"]
