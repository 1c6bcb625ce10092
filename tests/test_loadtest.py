"""A small load on the real server entry point (the session's live server): every request answered, figures printed
(never asserted); and the comparison with plain `datasette serve -i` as `make loadtest` runs it, in miniature.
Tests of the load test's script, run beside the others: the measurement itself is `make loadtest`, on a quiet
machine (docs/reliability.md)."""
import asyncio
import shutil

from scripts.loadtest import hammer, main, page_mix, summary
from tests.conftest import ROOT, copy_package

NAME = "india-pakistan-delegations-washington-2025"


def test_a_few_hundred_requests_all_answered(live_server, capsys):
    paths = page_mix(ROOT, NAME)
    assert any(path.startswith("/article/") for path in paths) and any(path.endswith(".csv") for path in paths)
    result = asyncio.run(hammer(live_server.url, paths, total=300, concurrency=20))
    with capsys.disabled():
        print("\nloadtest:", summary(result))
    assert result["requests"] == 300
    assert result["errors"] == 0, result["error_detail"]


def test_failures_are_counted(live_server):
    result = asyncio.run(hammer(live_server.url, ["/x/no-such-table", "/"], total=20, concurrency=4))
    assert result["errors"] == 10 and "404 /x/no-such-table" in result["error_detail"]


def test_the_comparison_with_plain_datasette_runs_both_and_records_them(tmp_path, built_db, live_server, capsys):
    package = copy_package(tmp_path / "package")
    (package / "build").mkdir()
    shutil.copy(built_db, package / "build" / built_db.name)
    (package / "docs").mkdir()
    (package / "docs" / "reliability.md").write_text("before\n<!-- loadtest:start -->\nold\n<!-- loadtest:end -->\nafter\n")
    # each page of the mix once on each server; the project's server is the session's (started as main starts it)
    requests = len(page_mix(package, NAME))
    assert main(["--root", str(package), "--requests", str(requests), "--concurrency", "4", "--record"],
                project_url=live_server.url) == 0
    printed = capsys.readouterr().out
    assert f"project server (make serve): {requests} requests" in printed
    assert f"plain datasette serve -i:    {requests} requests" in printed
    assert "throughput ratio:" in printed
    recorded = (package / "docs" / "reliability.md").read_text()
    assert recorded.startswith("before\n<!-- loadtest:start -->\nMeasured ") and recorded.endswith("after\n")
    assert "old" not in recorded and "throughput ratio:" in recorded
