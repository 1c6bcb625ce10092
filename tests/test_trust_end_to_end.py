"""Issue 10, items 1-6, and variants: what is published is exactly what was checked, and no file can hang or
exhaust the check or the build. Each case states its bound; the cases about bounded work run the command in a
child process (tests/measured.py: forked from this one, run as `python -m` would) and measure its wall time and
peak resident memory (of it and of its children), printed (`pytest -s`, lines starting with BOUND) and held to the
bound. The bounds are the guarantees of SECURITY.md: the check's watchdog
(scripts/check/runner.py: WATCHDOG_SECONDS = 60 s) and 1 GiB of memory per process."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from scripts.package import main as package_main
from tests.check_helpers import check_in_process, check_located, nothing_known
from tests.conftest import ROOT, line_of, set_cell
from tests.measured import SECONDS, fork_module, measure

SOURCE = "myind-2025-06-04-bhutto-isi-raw"
SEED = "seeds/000_905ae90385d1da76.txt"


def check_json(case: str, package: Path) -> tuple[int, dict]:
    code, out, err = measure(case, "scripts.check", str(package / "datapackage.json"), "--format", "json")
    return code, json.loads(out)


def located(report: dict, layer: str) -> list[str]:
    from tests.check_helpers import located as locate

    return [locate(p) for each in report["layers"] if each["layer"] == layer for p in each["problems"]]


def build(case: str, package: Path) -> tuple[int, str, Path]:
    output = package.parent / "out" / "package.db"
    code, out, err = measure(case, "scripts.build_sqlite", "--root", str(package), "--output", str(output))
    return code, err, output


def assert_nothing_built(output: Path) -> None:
    assert not output.exists() and not (output.parent.exists() and any(output.parent.iterdir())), \
        list(output.parent.iterdir())


def edit_descriptor(package: Path, change, **dumped) -> None:
    path = package / "datapackage.json"
    value = json.loads(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(json.dumps(value, **(dumped or {"indent": 2, "ensure_ascii": False})), encoding="utf-8")


def resource(value: dict, name: str) -> dict:
    return next(r for r in value["resources"] if r["name"] == name)


# ---------------------------------------------------------------- 1. one reader

def test_a_descriptor_path_to_a_clean_copy_is_refused_and_nothing_is_built(package, capsys):
    """Item 1: `persons` pointed at a clean copy while data/persons.csv is edited: the check refuses the path,
    so neither it nor the build ever vouches for data/persons.csv unread."""
    (package / "data" / "persons-clean.csv").write_bytes((package / "data" / "persons.csv").read_bytes())
    edit_descriptor(package, lambda d: resource(d, "persons").__setitem__("path", "data/persons-clean.csv"))
    set_cell(package, "persons", "person_id", "marco-rubio", "name", "Not In The Seed")
    code, found, err = check_located(package, capsys)
    assert code == 1 and "datapackage.json: [persons] unexpected-path" in found["a"], found
    code, err, output = build("clean-copy path, build", package)
    assert code == 1 and "unexpected-path" in err
    assert_nothing_built(output)


def test_a_jsonschema_path_elsewhere_is_refused(package, capsys):
    (package / "schemas" / "copy.schema.json").write_bytes((package / "schemas" / "persons.schema.json").read_bytes())
    edit_descriptor(package, lambda d: resource(d, "persons").__setitem__("jsonschema", "schemas/copy.schema.json"))
    code, found, _ = check_located(package, capsys)
    assert code == 1 and "datapackage.json: [persons] unexpected-path" in found["a"]


@pytest.mark.parametrize("value, problem_code", [
    ("/etc/passwd", "seed-outside-seeds"), ("seeds/../../../etc/passwd", "path-outside-package"),
    ("data/sources.csv", "seed-outside-seeds"), ("seeds/link-out", "path-outside-package")],
    ids=["absolute", "climbs-out", "other-directory", "symlink-out"])
def test_a_seed_path_outside_seeds_never_reaches_source_texts(package, capsys, value, problem_code):
    """Item 1: a `sources.path` naming any file of the machine: refused by the check; the build publishes nothing."""
    (package / "seeds" / "link-out").symlink_to("/etc/passwd")
    line = set_cell(package, "sources", "source_id", SOURCE, "path", value)
    code, found, _ = check_located(package, capsys)
    assert code == 1 and f"data/sources.csv:{line}: [sources.path] {problem_code}" in found["d"], found
    from scripts.build_sqlite import BuildRefused, build_database

    with pytest.raises(BuildRefused, match=problem_code):
        build_database(package, package.parent / "out" / "x.db")
    assert not (package.parent / "out" / "x.db").exists()


def test_a_file_changed_after_the_check_is_not_released(package):
    """The release copies the very bytes the check read: a table edited after the verdict is caught by its sha256."""
    from scripts.check import VettedFileChanged, checked_package
    from scripts.dist import DistError, member_bytes

    vetted = checked_package(package)
    assert member_bytes(package, vetted, "data/persons.csv") == (package / "data" / "persons.csv").read_bytes()
    set_cell(package, "persons", "person_id", "marco-rubio", "note", "edited after the check")
    with pytest.raises(VettedFileChanged, match="changed after the check read it"):
        vetted.read_bytes("data/persons.csv")
    with pytest.raises(DistError, match="data/persons.csv"):
        member_bytes(package, vetted, "data/persons.csv")


def test_consumers_read_no_file_of_the_package(package, monkeypatch):
    """The build, the metadata, the codebook, the figures and the citation, given what the check read, open no
    file of the package: every open of one fails from then on."""
    from scripts import charts, citation, codebook, datasette_metadata
    from scripts.build_sqlite import build_database
    from scripts.check import vet_package

    vetted = vet_package(package)
    assert vetted.valid
    inside = str(package.resolve())
    real_open, real_os_open = open, os.open

    def guarded(opener):
        def opening(file, *args, **kwargs):
            if isinstance(file, (str, Path)) and str(Path(file).resolve()).startswith(inside + os.sep) \
                    and "/out/" not in str(file) and "CHANGELOG" not in str(file):
                raise AssertionError(f"a consumer read {file} itself")
            return opener(file, *args, **kwargs)
        return opening

    monkeypatch.setattr("builtins.open", guarded(real_open))
    monkeypatch.setattr(os, "open", guarded(real_os_open))
    build_database(package, package.parent / "out" / "x.db", vetted)
    datasette_metadata.build_metadata(package, vetted=vetted)
    codebook.render(package, vetted)
    charts.render_all(package, vetted)
    assert citation._references(vetted)[0]["title"]


# ---------------------------------------------------------------- 2. nothing read before the verdict; no hang

@pytest.mark.parametrize("target, problem", [
    ("data/parties.csv", "not-a-regular-file"), (SEED, "not-a-regular-file"),
    ("schemas/package.yaml", "not-a-regular-file"), ("schemas/parties.schema.json", "not-a-regular-file"),
    ("datapackage.json", "descriptor-not-a-file")], ids=["csv", "seed", "package-yaml", "json-schema", "descriptor"])
def test_a_named_pipe_is_refused_at_once_by_check_and_build(package, target, problem):
    """Item 2: a FIFO in place of any file: refused at once (never opened for a blocking read), no .partial left."""
    path = package / target
    path.chmod(0o644)
    path.unlink()
    os.mkfifo(path)
    code, out, err = measure(f"FIFO as {target}, check", "scripts.check", str(package / "datapackage.json"))
    assert code in (1, 2) and problem in out + err
    code, err, output = build(f"FIFO as {target}, build", package)
    assert code == 1 and problem in err
    assert_nothing_built(output)


def test_a_descriptor_linked_to_another_package_is_refused(package, tmp_path):
    """Red team: a datapackage.json that is a symbolic link would make its target's directory the package."""
    elsewhere = tmp_path / "elsewhere"
    (package / "datapackage.json").rename(elsewhere)
    (package / "datapackage.json").symlink_to(elsewhere)
    code, out, err = measure("descriptor linked out, check", "scripts.check", str(package / "datapackage.json"))
    assert code == 2 and "descriptor-not-a-file" in err and "symbolic link" in err
    code, err, output = build("descriptor linked out, build", package)
    assert code == 1
    assert_nothing_built(output)


def test_a_device_as_a_seed_is_refused(package):
    """Item 2: /dev/zero as a seed (a device node inside seeds/, or a link to it): refused, never read."""
    (package / SEED).chmod(0o644)
    (package / SEED).unlink()
    os.mknod(package / SEED, 0o644 | 0o020000, os.makedev(1, 5))  # a character device: /dev/zero's numbers
    code, report = check_json("/dev/zero device as seed, check", package)
    line = line_of(package / "data" / "sources.csv", "source_id", SOURCE)
    assert code == 1 and f"data/sources.csv:{line}: [sources.path] not-a-regular-file" in located(report, "d")
    code, err, output = build("/dev/zero device as seed, build", package)
    assert code == 1 and "not-a-regular-file" in err
    assert_nothing_built(output)


def test_a_seed_larger_than_its_cap_is_refused_without_reading_it(package):
    """Item 3: a 1 GB seed (sparse: no disk used) is refused by its size, never read whole."""
    seed = package / SEED
    seed.chmod(0o644)
    with open(seed, "r+b") as handle:
        handle.truncate(10 ** 9)
    code, report = check_json("1 GB seed, check", package)
    line = line_of(package / "data" / "sources.csv", "source_id", SOURCE)
    assert code == 1 and f"data/sources.csv:{line}: [sources.path] file-too-large" in located(report, "d")


def test_a_killed_build_leaves_a_partial_file_that_the_next_build_removes(package, tmp_path):
    """Item 7 (the build's part): kill -9 while the scratch file is written; the next build removes it."""
    output = tmp_path / "out" / "package.db"
    (tmp_path / "scratch").mkdir()
    process = fork_module("scripts.build_sqlite", ["--root", str(package), "--output", str(output)], ROOT, tmp_path / "scratch")
    try:
        deadline = time.monotonic() + SECONDS
        while not (output.parent.exists() and list(output.parent.glob("*.partial"))):
            assert process.running() and time.monotonic() < deadline, "the build ended before it could be killed"
            time.sleep(0.002)
    finally:
        process.kill()
    assert list(output.parent.glob("*.partial")), "kill -9 leaves the scratch file (nothing can remove it then)"
    from scripts.build_sqlite import build_database

    build_database(package, output)
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]


# ---------------------------------------------------------------- 3. bounded work on a CSV edit

def test_a_row_of_20000_cells_is_refused_before_frictionless(package):
    """Item 3: one extra row of 20,000 cells: layer f refuses it (cell-count) and Frictionless never reads the table
    (its memory grows with the square of the cell count)."""
    path = package / "data" / "parties.csv"
    lines = path.read_bytes().count(b"\n")
    with open(path, "ab") as handle:
        handle.write(b",".join([b"x"] * 20_000) + b"\n")
    code, report = check_json("row of 20,000 cells", package)
    assert code == 1
    assert f"data/parties.csv:{lines + 1}: [parties] cell-count" in located(report, "f")
    assert "data/parties.csv: [parties] frictionless-left-out" in located(report, "b")


def test_a_valid_cell_that_defeats_csv_sniffing_is_checked_quickly(package):
    """Item 3: a valid 100 kB note of ";'a;'a..." took Frictionless minutes (csv.Sniffer): the dialect is given."""
    set_cell(package, "persons", "person_id", "marco-rubio", "note", "x" + ";'a" * 33_000)
    code, report = check_json("100 kB sniffer-hostile cell", package)
    assert code == 0, report


def test_a_300_mb_line_is_refused_in_bounded_memory(package):
    """Item 3: a 300 MB line is not read whole: the check stops at its line cap."""
    path = package / "data" / "source_notes.csv"
    lines = path.read_bytes().count(b"\n")
    with open(path, "ab") as handle:
        block = b"x" * (1 << 24)
        for _ in range(18):  # 302 MB
            handle.write(block)
        handle.write(b"\n")
    code, report = check_json("300 MB line", package)
    assert code == 1 and f"data/source_notes.csv:{lines + 1}: [source_notes] line-too-long" in located(report, "f")


# ---------------------------------------------------------------- 4. schema and descriptor edits

def _set_pattern(package: Path, pattern: str) -> None:
    path = package / "schemas" / "parties.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["note"] = {**schema["properties"]["note"], "pattern": pattern}
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert package_main(["--root", str(package)]) == 0  # the descriptor follows the schema, as `make package` would


def test_a_catastrophic_pattern_runs_in_linear_time(package):
    """Item 4: `^(a|a)*$` against a 41-character cell backtracks for hours under Python's re; RE2 answers at once."""
    _set_pattern(package, "^(a|a)*$")
    line = set_cell(package, "parties", "party_id", "tdp", "note", "a" * 41 + "!")
    code, report = check_json("pattern ^(a|a)*$ on 42 characters", package)
    assert code == 1 and f"data/parties.csv:{line}: [parties.note] pattern-mismatch" in located(report, "c")
    code, err, output = build("pattern ^(a|a)*$, build", package)
    assert code == 1 and "pattern-mismatch" in err
    assert_nothing_built(output)


def test_a_pattern_re2_cannot_run_is_refused(package, capsys):
    _set_pattern(package, r"^(a)\1$")
    capsys.readouterr()  # `make package`'s own line
    code, found, _ = check_located(package, capsys)
    assert code == 1 and "schemas/parties.schema.json: [parties] unsafe-pattern" in found["a"]


def test_a_descriptor_of_800000_fields_is_processed_in_linear_time(package):
    """Item 4: hundreds of thousands of field names under the 16 MB cap (quadratic before: hours)."""
    def many_fields(value):
        fields = resource(value, "parties")["schema"]["fields"]
        fields.extend({"name": f"f{n}"} for n in range(800_000))
        resource(value, "parties")["schema"]["foreignKeys"] = [
            {"fields": f"f{n}", "reference": {"resource": "persons", "fields": "person_id"}} for n in range(50)]

    path = package / "datapackage.json"
    edit_descriptor(package, many_fields, separators=(",", ":"))  # the value is freed before the measured run forks
    assert path.stat().st_size < 16_000_000
    code, report = check_json("800,000 field names (15 MB descriptor)", package)
    assert code == 1 and "datapackage.json: [parties.f0] descriptor-drift" in located(report, "a")


# ---------------------------------------------------------------- 5. invalid Unicode

@pytest.mark.parametrize("where", ["descriptor-title", "descriptor-key", "json-schema", "package-yaml"])
def test_a_lone_surrogate_is_refused_with_its_place_and_no_output_crashes(package, where):
    """Item 5: '\\ud800' from JSON (or YAML) is no character: layer a names it; text and JSON output survive it."""
    if where == "descriptor-title":
        (package / "datapackage.json").write_text(
            (package / "datapackage.json").read_text(encoding="utf-8").replace('"title": "', '"title": "\\ud800', 1), encoding="utf-8")
        expected = "datapackage.json: invalid-unicode"
    elif where == "descriptor-key":
        (package / "datapackage.json").write_text(
            (package / "datapackage.json").read_text(encoding="utf-8").replace("{", '{"x-note": {"\\ud800": 1}, ', 1), encoding="utf-8")
        expected = "datapackage.json: invalid-unicode"
    elif where == "json-schema":
        path = package / "schemas" / "parties.schema.json"
        path.write_text(path.read_text(encoding="utf-8").replace('"description": "', '"description": "\\udfff', 1), encoding="utf-8")
        expected = "schemas/parties.schema.json: [parties] invalid-unicode"
    else:
        path = package / "schemas" / "package.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\ntitle:", '\nx-note: "\\ud800"\ntitle:', 1), encoding="utf-8")
        expected = "schemas/package.yaml: invalid-unicode"
    code, report = check_json(f"lone surrogate in {where}", package)
    assert code == 1 and expected in located(report, "a"), located(report, "a")
    code, out, err = measure(f"lone surrogate in {where}, text output", "scripts.check", str(package / "datapackage.json"))
    assert code == 1 and "invalid-unicode" in out  # printed under PYTHONIOENCODING=utf-8:strict: no crash


# ---------------------------------------------------------------- 6. links

@pytest.mark.parametrize("change, where", [
    (lambda d: d["licenses"][0].__setitem__("path", "javascript:alert(document.domain)"), "package licenses[0].path"),
    (lambda d: d.__setitem__("homepage", "javascript:alert(1)"), "homepage"),
    (lambda d: d["contributors"][0].__setitem__("path", "data:text/html,<script>alert(1)</script>"), "package contributors[0].path"),
    (lambda d: d.setdefault("sources", [{}])[0].__setitem__("path", " javascript:alert(1)"), "package sources[0].path"),
    (lambda d: resource(d, "quotes").__setitem__("licenses", [{"name": "x", "path": "file:///etc/passwd"}]),
     "resources[{quotes}] licenses[0].path"),
    # found by the red-team helper: links under keys the check did not look at
    (lambda d: resource(d, "quotes").__setitem__("homepage", "javascript:alert(1)"), "resources[{quotes}] homepage"),
    (lambda d: d.__setitem__("image", "javascript:alert(2)"), "package image"),
    (lambda d: resource(d, "quotes").__setitem__("x-url", "file:///etc/passwd"), "resources[{quotes}] x-url"),
    (lambda d: d["contributors"][0].__setitem__("homepage", "javascript:x"), "package contributors[0].homepage"),
], ids=["licence-javascript", "homepage-javascript", "contributor-data-url", "source-leading-space", "resource-licence-file-url",
        "resource-homepage-javascript", "image-javascript", "x-url-file", "contributor-homepage-javascript"])
def test_a_link_that_is_not_http_or_a_package_path_is_refused(package, capsys, change, where):
    """Item 6: licence, source, contributor and homepage links: http(s) URLs or package-relative paths only."""
    edit_descriptor(package, change)
    names = [r["name"] for r in json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
    where = where.format(quotes=names.index("quotes"))
    code, out, err = check_in_process(package, capsys)
    assert code == 1
    assert any(line.startswith(f"datapackage.json: unsafe-url: {where} ") for line in out.splitlines() if "unsafe-url" in line
               for line in [line.strip()]), out


def test_only_http_links_and_package_paths_pass():
    from scripts.check.descriptor import link_problem

    assert link_problem("https://creativecommons.org/licenses/by/4.0/") is None
    assert link_problem("docs/codebook.md") is None
    for refused in ("JavaScript:alert(1)", "//evil.example/x", "http:/no-host", "../outside", "/etc/passwd",
                    "https://example.org/\u202e", "vbscript:x", "data:,x", "", 7):
        assert link_problem(refused), refused


# ---------------------------------------------------------------- the watchdog

def test_the_watchdog_stops_a_check_past_its_bound_and_its_child(package, capsys, monkeypatch):
    """Whatever the input, python -m scripts.check ends within WATCHDOG_SECONDS: exit 2, code check-timeout, and
    the Frictionless child is stopped (here a layer made slow stands for an input that would be)."""
    from scripts.check import frictionless as layer_b
    from scripts.check import main
    from scripts.check import runner as check_runner

    nothing_known(monkeypatch)  # and a child however little it has to read
    monkeypatch.setattr(layer_b, "CHILD_FROM_BYTES", 0)
    children = []
    real_start = layer_b.start_frictionless
    monkeypatch.setattr(layer_b, "start_frictionless", lambda *args: children.append(real_start(*args)) or children[-1])
    monkeypatch.setattr(check_runner, "WATCHDOG_SECONDS", 1)
    monkeypatch.setattr(check_runner, "check_rows", lambda tables, report: time.sleep(30))
    monkeypatch.setattr(check_runner, "limit_memory", lambda: None)  # not this test process's
    started = time.perf_counter()
    code = main([str(package / "datapackage.json"), "--format", "json"], bounded=True)
    elapsed = time.perf_counter() - started
    report = json.loads(capsys.readouterr().out)
    print(f"\nBOUND watchdog at 1 s: stopped after {elapsed:.2f} s")
    assert code == 2 and report["code"] == "check-timeout" and elapsed < 10
    assert children and children[0] is not None  # a child was started, and then stopped:
    import multiprocessing

    assert not [child for child in multiprocessing.active_children() if child.is_alive()]
