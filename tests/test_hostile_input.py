"""Hostile input to the check (and to the build, which runs the check first): paths that do not exist or are not
files, unreadable and empty files, binary garbage, a 50 MB CSV and a 1 MB cell in bounded memory, and paths that
are absolute, climb out with '..', follow a symbolic link out of the package or are URLs: each refused with a
clear message, never fetched. The check makes no network connection, ever: the tests block every socket."""
from __future__ import annotations

import builtins
import json
import os
import pathlib
from pathlib import Path

import pytest

from tests.check_helpers import attempts, check_in_process, check_located, nothing_known, problems_by_layer
from tests.conftest import ROOT, copy_package, line_of, read_csv, set_cell, snapshot, write_csv
from tests.measured import measure

SOURCE = "myind-2025-06-04-bhutto-isi-raw"
SEED = "seeds/000_905ae90385d1da76.txt"


def write_descriptor(package: Path, change) -> None:
    path = package / "datapackage.json"
    value = json.loads(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")


def resource(value: dict, name: str) -> dict:
    return next(r for r in value["resources"] if r["name"] == name)


def refuse_reading(monkeypatch, target: Path) -> None:
    """Make target unreadable: chmod 000, and, since root reads whatever the mode says, every way the check
    opens a file raises PermissionError for it, as the system would for anyone else."""
    target.chmod(0)
    target = target.resolve()

    def denied(path):
        return Path(path).resolve() == target

    def error(path):
        return PermissionError(13, "Permission denied", str(path))

    real_open, real_read_bytes, real_read_text = builtins.open, pathlib.Path.read_bytes, pathlib.Path.read_text
    real_os_open = os.open

    def os_open(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and denied(file):
            raise error(file)
        return real_os_open(file, *args, **kwargs)

    def open_(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and denied(file):
            raise error(file)
        return real_open(file, *args, **kwargs)

    def read_bytes(self):
        if denied(self):
            raise error(self)
        return real_read_bytes(self)

    def read_text(self, *args, **kwargs):
        if denied(self):
            raise error(self)
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    monkeypatch.setattr(pathlib.Path, "read_text", read_text)


def assert_clean_failure(code: int, out: str, err: str, expected_code: int) -> None:
    assert code == expected_code, out + err
    assert "Traceback" not in out + err and "internal error" not in err, out + err


# ---------------------------------------------------------------- the descriptor itself (exit 2)

def _missing(tmp_path):
    return tmp_path / "nowhere" / "datapackage.json"


def _directory(tmp_path):
    (tmp_path / "a-directory").mkdir()
    return tmp_path / "a-directory"


def _device(tmp_path):
    return Path("/dev/zero")  # endless: read whole, it would fill the memory


def _empty(tmp_path):
    (tmp_path / "datapackage.json").write_bytes(b"")
    return tmp_path / "datapackage.json"


def _garbage(tmp_path):
    (tmp_path / "datapackage.json").write_bytes(bytes(range(256)) * 40)
    return tmp_path / "datapackage.json"


def _nested(tmp_path):
    (tmp_path / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000)
    return tmp_path / "datapackage.json"


def _too_large(tmp_path):
    path = tmp_path / "datapackage.json"
    with open(path, "wb") as handle:
        handle.truncate(17_000_000)  # sparse: no disk used
    return path


@pytest.mark.parametrize("make, message", [
    (_missing, ": descriptor-missing: "), (_directory, ": descriptor-not-a-file: "), (_device, ": descriptor-not-a-file: "),
    (_empty, ": descriptor-not-json: "), (_garbage, ": descriptor-not-json: "), (_nested, ": descriptor-not-json: "),
    (_too_large, ": descriptor-too-large: ")],
    ids=["missing", "directory", "device", "empty", "binary-garbage", "nested-too-deeply", "too-large"])
def test_unusable_descriptor_exits_2_with_a_message(tmp_path, capsys, make, message):
    from scripts.check import main

    path = make(tmp_path)
    code = main([str(path)])
    captured = capsys.readouterr()
    assert_clean_failure(code, captured.out, captured.err, 2)
    assert captured.err.startswith(f"check: {path}{message}") and not captured.out, captured.err


def test_unreadable_descriptor_exits_2(package, capsys, monkeypatch):
    refuse_reading(monkeypatch, package / "datapackage.json")
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 2)
    assert err.strip() == f"check: {package / 'datapackage.json'}: descriptor-unreadable: cannot be read (Permission denied)"


# ---------------------------------------------------------------- files of the package

def test_unreadable_csv_is_named(package, capsys, monkeypatch):
    refuse_reading(monkeypatch, package / "data" / "roles.csv")
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert "data/roles.csv: [roles] unreadable-file: cannot be read (Permission denied)" in problems_by_layer(out)["f"]


def test_unreadable_seed_is_named(package, capsys, monkeypatch):
    refuse_reading(monkeypatch, package / SEED)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    line = line_of(package / "data" / "sources.csv", "source_id", SOURCE)
    assert f"data/sources.csv:{line}: [sources.path] seed-unreadable: {SEED} cannot be read (Permission denied)" in problems_by_layer(out)["d"]


def test_unreadable_json_schema_is_named(package, capsys, monkeypatch):
    refuse_reading(monkeypatch, package / "schemas" / "quotes.schema.json")
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert "schemas/quotes.schema.json: [quotes] schema-unusable: JSON Schema cannot be used: Permission denied" in problems_by_layer(out)["a"]


@pytest.mark.parametrize("content, expected", [
    (b"", "data/persons.csv:1: [persons] empty-file"),
    (bytes(range(255, -1, -1)) * 200, "data/persons.csv:1: [persons] invalid-utf8: invalid UTF-8 at byte 0"),
    (b"person_id,\x1b[2Jname\x00\n", "data/persons.csv:1: [persons] header-mismatch"),
], ids=["empty", "binary-garbage", "control-characters"])
def test_empty_or_garbage_csv_is_reported_at_its_line(package, capsys, content, expected):
    (package / "data" / "persons.csv").write_bytes(content)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert any(line.startswith(expected) for line in problems_by_layer(out)["f"]), out
    assert "\x1b" not in out and "\x00" not in out  # a hostile file's bytes never reach the terminal raw


def test_garbage_seed_is_reported(package, capsys):
    seed = package / SEED
    seed.chmod(0o644)
    seed.write_bytes(bytes(range(256)) * 20)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    line = line_of(package / "data" / "sources.csv", "source_id", SOURCE)
    found = problems_by_layer(out)["d"]
    assert f"data/sources.csv:{line}: [sources.path] seed-not-utf8: {SEED} is not valid UTF-8 (byte 128)" in found
    assert any(p.startswith(f"data/sources.csv:{line}: [sources.sha256] hash-mismatch: ") for p in found)


def test_a_pipe_in_place_of_a_file_is_refused_not_waited_on(package, capsys):
    for path in (package / "data" / "parties.csv", package / SEED):
        path.chmod(0o644)
        path.unlink()
        os.mkfifo(path)  # reading it would block for ever
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert "datapackage.json: [parties] not-a-regular-file: resource path 'data/parties.csv' is not a regular file" in problems_by_layer(out)["a"]
    assert f"data/sources.csv:2: [sources.path] not-a-regular-file: seed path '{SEED}' is not a regular file" in problems_by_layer(out)["d"]


# ---------------------------------------------------------------- size: bounded memory

def measure_check(case: str, package: Path) -> tuple[int, str, str]:
    """`python -m scripts.check` on the copy, as a process held to the check's bounds (tests/measured.py): exit
    status, stdout, stderr; what it took is printed (a line BOUND ..., pytest -s)."""
    return measure(case, "scripts.check", str(package / "datapackage.json"), cwd=package)


@pytest.mark.slow
def test_a_50_mb_csv_is_checked_in_bounded_memory(package):
    rows_before = sum(len(read_csv(table)[1]) for table in (package / "data").glob("*.csv"))
    path = package / "data" / "source_notes.csv"
    header, rows = read_csv(path)
    template = rows[0]
    filler = " ".join(["The seed says no more."] * 90)  # about 2 kB a row: 25,000 rows
    with open(path, "a", encoding="utf-8", newline="") as handle:
        count = 0
        while handle.tell() < 50_000_000:
            write_csv_row(handle, header, {**template, "note_id": f"zz-bulk-note-{count:06d}", "description": filler})
            count += 1
        write_csv_row(handle, header, {**template, "note_id": "zz-last-note", "description": filler + " "})
    last_line = path.read_bytes().count(b"\n")
    assert path.stat().st_size > 50_000_000
    code, out, err = measure_check("50 MB CSV", package)
    assert_clean_failure(code, out, err, 1)
    assert f"data/source_notes.csv:{last_line}: [source_notes.description] padded-cell: " in out
    tables = len(json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert out.strip().splitlines()[-1].startswith(f"INVALID: {tables} tables, {rows_before + count + 1} rows, ")


def write_csv_row(handle, header, row) -> None:
    import csv
    csv.writer(handle, lineterminator="\n").writerow([row[column] for column in header])


@pytest.mark.slow
def test_a_50_mb_line_is_refused_in_bounded_memory(package):
    path = package / "data" / "source_notes.csv"
    lines = path.read_bytes().count(b"\n")
    with open(path, "ab") as handle:
        handle.write(b"x" * 50_000_000 + b"\n")
    code, out, err = measure_check("50 MB line", package)
    assert_clean_failure(code, out, err, 1)
    assert f"data/source_notes.csv:{lines + 1}: [source_notes] line-too-long: " in out


def test_a_1_mb_cell_is_checked_and_quoted_briefly(package):
    long_cell = "Secretary of State Marco Rubio " * 34_000  # 1 MB
    line = set_cell(package, "roles", "role_id", "marco-rubio-secretary-of-state", "evidence", long_cell)
    code, out, err = measure_check("1 MB cell", package)
    assert_clean_failure(code, out, err, 1)
    found = problems_by_layer(out)
    assert any(p.startswith(f"data/roles.csv:{line}: [roles.evidence] evidence-mismatch: ") for p in found["d"])
    assert max(len(line) for line in out.splitlines()) < 1000 and len(out) < 50_000  # quoted, not copied whole


def test_a_table_past_the_memory_budget_is_read_for_hygiene_only(package, capsys, monkeypatch):
    """Tables are held in memory for layers b-e only while their estimated size fits the budget (600 MB: 50 MB of
    tiny rows would not); one past it is still read whole for hygiene, and left out of the other layers."""
    from scripts.check import hygiene
    from scripts.check.inputs import Table
    from scripts.schemas import load_spec

    spec = load_spec(package)

    def estimates():
        return {t.name: hygiene.table_bytes(Table(t, t.data_path, package / t.data_path)) for t in spec.tables}

    largest = spec.table(max(estimates().items(), key=lambda item: item[1])[0])
    header, rows = read_csv(package / largest.data_path)
    text_column = next(f.name for f in largest.fields if f.type == "string" and f.name not in largest.primary_key)
    rows[0][text_column] = " " + rows[0][text_column]  # layer f must still see this
    rows[0][largest.primary_key[-1]] = "Not_A_Slug"  # layer c would see this, were the table kept
    write_csv(package / largest.data_path, header, rows)
    sizes = estimates()
    before = sum(sizes[t.name] for t in spec.tables[: spec.tables.index(largest)])
    assert sizes[largest.name] == max(sizes.values())
    monkeypatch.setattr(hygiene, "MAX_KEPT_BYTES", before + sizes[largest.name] - 1)  # every table fits but this one
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    lines = (package / largest.data_path).read_bytes().count(b"\n")
    found = problems_by_layer(out)
    assert f"{largest.data_path}:2: [{largest.name}.{text_column}] padded-cell: cell has leading or trailing whitespace" in found["f"]
    assert f"{largest.data_path}:1: [{largest.name}] table-too-large: the table's {lines} lines would take more than the " \
        f"{hygiene.MAX_KEPT_BYTES // 10**6} MB of memory the check gives the package's rows: it is read for hygiene only" in found["f"]
    assert sum("would take more than" in problem for problem in found["f"]) == 1
    assert not any(problem.startswith(largest.data_path) for layer in "bcde" for problem in found[layer]), out


# ---------------------------------------------------------------- paths out of the package, and URLs: never fetched

def _outside_file(package: Path) -> Path:
    outside = package.parent / "outside.csv"
    outside.write_bytes((package / "data" / "parties.csv").read_bytes())
    return outside


def _resource_path(value):
    return lambda package: write_descriptor(package, lambda d: resource(d, "parties").__setitem__("path", value(package)))


def _symlinked_csv(package):
    target = package / "data" / "parties.csv"
    outside = _outside_file(package)
    target.unlink()
    target.symlink_to(outside)


def _symlinked_data_directory(package):
    outside = package.parent / "elsewhere"
    (package / "data").rename(outside)
    (package / "data").symlink_to(outside, target_is_directory=True)


RESOURCE_PATHS = {
    "absolute": (_resource_path(lambda p: str(_outside_file(p))), "path-outside-package"),
    "climbs-out": (_resource_path(lambda p: "../" + _outside_file(p).name), "path-outside-package"),
    "climbs-out-inside": (_resource_path(lambda p: "data/../data/parties.csv"), "path-outside-package"),
    "url": (_resource_path(lambda p: "https://example.invalid/parties.csv"), "path-is-url"),
    "file-url": (_resource_path(lambda p: "file:///etc/passwd"), "path-is-url"),
    "scheme": (_resource_path(lambda p: "zip://data.zip!parties.csv"), "path-is-url"),
    "list": (_resource_path(lambda p: ["data/parties.csv", "https://example.invalid/more.csv"]), "path-malformed"),
    "symlink": (_symlinked_csv, "path-outside-package"),
    "other-csv": (_resource_path(lambda p: "data/persons.csv"), "unexpected-path"),
}


@pytest.mark.parametrize("make", RESOURCE_PATHS.values(), ids=list(RESOURCE_PATHS))
def test_resource_path_out_of_the_package_is_refused_never_fetched(package, capsys, network_blocked, make):
    breaks, problem_code = make
    breaks(package)
    before = snapshot(package)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    found = problems_by_layer(out)
    assert any(p.startswith(f"datapackage.json: [parties] {problem_code}: ") for p in found["a"]), found
    assert found["b"] == [] and out.count(
        "(b) frictionless: skipped: the descriptor has problems (layer a)") == 1  # Frictionless never sees it
    assert attempts(network_blocked) == "" and snapshot(package) == before


def test_data_directory_linked_out_of_the_package_is_refused(package, capsys, network_blocked):
    _symlinked_data_directory(package)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    found = problems_by_layer(out)["a"]
    tables = len(json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert sum("path-outside-package: resource path" in p and "leads outside the package" in p for p in found) == tables
    assert attempts(network_blocked) == ""


SEED_PATHS = {
    "absolute": ("/etc/passwd", "seed-outside-seeds"),
    "climbs-out": ("seeds/../../outside.txt", "path-outside-package"),
    "url": ("https://example.invalid/seed.txt", "seed-outside-seeds"),
    "url-in-seeds": ("seeds/https://example.invalid/seed.txt", "path-is-url"),
    "other-directory": ("data/parties.csv", "seed-outside-seeds"),
}


@pytest.mark.parametrize("value, message", SEED_PATHS.values(), ids=list(SEED_PATHS))
def test_seed_path_out_of_the_package_is_refused_never_fetched(package, capsys, network_blocked, value, message):
    line = set_cell(package, "sources", "source_id", SOURCE, "path", value)
    code, found, err = check_located(package, capsys)
    assert_clean_failure(code, "", err, 1)
    assert f"data/sources.csv:{line}: [sources.path] {message}" in found["d"], found
    assert attempts(network_blocked) == ""


def test_seed_linked_out_of_the_package_is_refused(package, capsys, network_blocked):
    seed = package / SEED
    outside = package.parent / "seed-outside.txt"
    outside.write_bytes(seed.read_bytes())
    seed.chmod(0o644)
    seed.unlink()
    seed.symlink_to(outside)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    line = line_of(package / "data" / "sources.csv", "source_id", SOURCE)
    assert f"data/sources.csv:{line}: [sources.path] path-outside-package: seed path '{SEED}' leads outside the package " \
        "(a symbolic link?)" in problems_by_layer(out)["d"]
    assert attempts(network_blocked) == ""


REMOTE_REFERENCES = {
    "package-profile": (lambda d: d.__setitem__("profile", "https://example.invalid/profile.json"),
                        "datapackage.json: refused-property: package profile 'https://example.invalid/profile.json' is not one of"),
    "resource-profile": (lambda d: resource(d, "quotes").__setitem__("profile", "https://example.invalid/profile.json"),
                         "datapackage.json: [quotes] refused-property: resource profile 'https://example.invalid/profile.json' is not one of"),
    "package-$schema": (lambda d: d.__setitem__("$schema", "https://example.invalid/profile.json"),
                        "datapackage.json: refused-property: package $schema 'https://example.invalid/profile.json' is not a standard"),
    "dialect-url": (lambda d: resource(d, "quotes").__setitem__("dialect", "https://example.invalid/dialect.json"),
                    "datapackage.json: [quotes] refused-property: resource dialect 'https://example.invalid/dialect.json' is refused"),
    "schema-url": (lambda d: resource(d, "quotes").__setitem__("schema", "https://example.invalid/schema.json"),
                   "datapackage.json: [quotes] invalid-resource: resource has no schema with a list of fields (a schema given as a path or URL is not followed)"),
    "jsonschema-url": (lambda d: resource(d, "quotes").__setitem__("jsonschema", "https://example.invalid/quotes.schema.json"),
                       "datapackage.json: [quotes] path-is-url: jsonschema path 'https://example.invalid/quotes.schema.json' is a URL"),
    "remote-scheme": (lambda d: resource(d, "quotes").__setitem__("scheme", "https"),
                      "datapackage.json: [quotes] refused-property: resource property 'scheme' is refused"),
    "inline-data": (lambda d: resource(d, "quotes").__setitem__("data", [["quote_id"], ["x"]]),
                    "datapackage.json: [quotes] refused-property: resource property 'data' is refused"),
}


@pytest.mark.parametrize("change, expected", REMOTE_REFERENCES.values(), ids=list(REMOTE_REFERENCES))
def test_descriptor_pointing_anywhere_else_is_refused_never_fetched(package, capsys, network_blocked, change, expected):
    write_descriptor(package, change)
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert any(p.startswith(expected) for p in problems_by_layer(out)["a"]), out
    assert attempts(network_blocked) == ""


def test_json_schema_referring_to_a_url_is_refused_never_fetched(package, capsys, network_blocked):
    path = package / "schemas" / "quotes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["allOf"] = [{"$ref": "https://example.invalid/rules.json"}]
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert "schemas/quotes.schema.json: [quotes] schema-unusable: JSON Schema cannot be used: /allOf/0/$ref 'https://example.invalid/rules.json' " \
           "refers outside the schema" in " ".join(problems_by_layer(out)["a"])
    assert attempts(network_blocked) == ""


@pytest.mark.parametrize("text, expected", [
    ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "aliases (*name) are not allowed in package metadata"),
    ("name: !!python/object/apply:os.system ['echo owned']\n", "could not determine a constructor for the tag"),
], ids=["aliases", "python-tag"])
def test_package_metadata_yaml_is_read_plainly(package, capsys, text, expected):
    (package / "schemas" / "package.yaml").write_text(text, encoding="utf-8")
    code, out, err = check_in_process(package, capsys)
    assert_clean_failure(code, out, err, 1)
    assert any(p.startswith("schemas/package.yaml: metadata-unreadable: cannot be read as YAML: ") and expected in p
               for p in problems_by_layer(out)["a"]), out


def test_frictionless_is_handed_only_vetted_local_tables(package, capsys, monkeypatch):
    """Properties the check does not know are not refused, but never reach Frictionless: it gets each table as a
    local CSV with the Table Schema derived from schemas/, and standard profiles only."""
    from scripts.check import frictionless as check
    from scripts.package import PACKAGE_KEYS

    write_descriptor(package, lambda d: (resource(d, "quotes").__setitem__("x-mirror", "https://example.invalid/q.csv"),
                                         d.__setitem__("x-profile-mirror", "https://example.invalid/p.json")))
    handed = []
    nothing_known(monkeypatch)  # Frictionless is asked
    monkeypatch.setattr(check, "start_frictionless", lambda *args: None)  # in this process, to watch it
    real = check.frictionless_findings
    monkeypatch.setattr(check, "frictionless_findings", lambda root, descriptor, *args: handed.append(descriptor) or real(root, descriptor, *args))
    code, out, err = check_in_process(package, capsys)
    assert code == 0, out + err
    [descriptor] = handed
    assert set(descriptor) <= {"id", *PACKAGE_KEYS, "profile", "resources"}
    assert descriptor["profile"] == "tabular-data-package"
    spec_paths = {r["name"]: r["path"] for r in json.loads((package / "datapackage.json").read_text())["resources"]}
    for handed_resource in descriptor["resources"]:
        assert set(handed_resource) <= {"name", "path", "profile", "format", "encoding", "dialect", "schema", *check.RESOURCE_METADATA}
        assert handed_resource["dialect"]["delimiter"] == "," and handed_resource["dialect"]["header"] is True
        assert handed_resource["path"] == spec_paths[handed_resource["name"]] and not handed_resource["path"].startswith("/")
        assert handed_resource["profile"] == "tabular-data-resource" and isinstance(handed_resource["schema"], dict)
    assert "example.invalid" not in json.dumps(descriptor)


def test_the_real_package_is_checked_without_any_connection(capsys, network_blocked):
    code, out, err = check_in_process(ROOT, capsys)
    assert code == 0, out + err
    assert attempts(network_blocked) == ""


def test_the_network_block_catches_a_fetch(network_blocked, tmp_path):
    """The block is real: Frictionless, handed a descriptor with a remote profile as the check never hands it,
    tries the network, and the attempt is caught and written down."""
    from frictionless import FrictionlessException, Package

    with pytest.raises(FrictionlessException):
        Package({"name": "x", "profile": "https://example.invalid/profile.json",
                 "resources": [{"name": "a", "path": "a.csv"}]}, basepath=str(tmp_path))
    assert "example.invalid" in attempts(network_blocked)


# ---------------------------------------------------------------- the build refuses what the check refuses

@pytest.mark.parametrize("breaks, expected", [
    (_resource_path(lambda p: "https://example.invalid/parties.csv"), "resource path 'https://example.invalid/parties.csv' is a URL"),
    (_symlinked_csv, "resource path 'data/parties.csv' leads outside the package"),
    (lambda p: set_cell(p, "sources", "source_id", SOURCE, "path", "/etc/passwd"), "seed path '/etc/passwd' must lie inside seeds/"),
    (lambda p: (p / "datapackage.json").write_bytes(bytes(range(256))), "is not JSON"),
], ids=["url", "symlink", "absolute-seed", "garbage-descriptor"])
def test_the_build_refuses_hostile_packages_and_writes_nothing(tmp_path, capsys, breaks, expected):
    from scripts.build_sqlite import main as build_main

    package = copy_package(tmp_path / "package")
    breaks(package)
    output = tmp_path / "out" / "package.db"
    code = build_main(["--root", str(package), "--output", str(output)])
    out, err = capsys.readouterr()
    assert code == 1 and expected in err, out + err
    assert "Traceback" not in out + err
    assert not output.exists() and not (output.parent.exists() and any(output.parent.iterdir()))
