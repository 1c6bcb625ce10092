"""Shared by the third-party client tests: where each client is installed (tests/clients/install.sh), what a missing
one means (a skip with its reason here, a failure in CI), and what the package's CSVs hold, read with Python's csv
module and the Table Schema, so that every expectation comes from the data, never from a client's own output."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_package

CLIENTS_DIR = ROOT / "tests" / "clients"
VENVS = ROOT / ".venv-clients"
NODE_DIR = CLIENTS_DIR / "node"
INSTALL_HINT = "run `bash tests/clients/install.sh` (.ci/run does)"


def clients_required() -> bool:
    """In CI (CI=true, or REQUIRE_CLIENTS=1 as .ci/run sets it) every client must run: a missing one fails."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_CLIENTS") == "1"


def require(available: bool, reason: str) -> None:
    if available:
        return
    if clients_required():
        pytest.fail(f"{reason} (CI requires every client)")
    pytest.skip(reason)


def venv_python(name: str) -> Path:
    python = VENVS / name / "bin" / "python"
    require(python.exists() and (VENVS / name / ".installed").exists(),
            f"{name} client not installed in .venv-clients/{name}: {INSTALL_HINT}")
    return python


def venv_tool(venv: str, tool: str) -> Path:
    venv_python(venv)
    return VENVS / venv / "bin" / tool


def run(command: list, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def run_json(command: list, cwd: Path) -> dict:
    result = run(command, cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def run_console_script(venv: str, command: str, argument_lists: list[list], cwd: Path) -> list[subprocess.CompletedProcess]:
    """The client's command run once per argument list, every run in one process of its venv
    (run_console_script.py: the command's own entry point, each run with its own arguments, output and exit status),
    so that the client starts once rather than once per run."""
    arguments = [[str(part) for part in parts] for parts in argument_lists]
    outputs = run_json([venv_python(venv), CLIENTS_DIR / "run_console_script.py", command, json.dumps(arguments)], cwd)
    assert len(outputs) == len(arguments)
    return [subprocess.CompletedProcess([command, *parts], output["returncode"], output["stdout"], output["stderr"])
            for parts, output in zip(arguments, outputs)]


@pytest.fixture(scope="session")
def client_package(tmp_path_factory) -> Path:
    """A copy of the package (descriptor, data, schemas, seeds) for the clients to read."""
    return copy_package(tmp_path_factory.mktemp("clients") / "package")


@pytest.fixture(scope="session")
def dangling_package(tmp_path_factory) -> Path:
    """A copy whose one role points at a person that does not exist: a reader that resolves foreign keys must
    refuse the roles table."""
    package = copy_package(tmp_path_factory.mktemp("clients-broken") / "package")
    path = package / "data" / "roles.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count('"antonio-guterres-un-secretary-general","antonio-guterres"') == 1
    path.write_text(text.replace('"antonio-guterres-un-secretary-general","antonio-guterres"',
                                 '"antonio-guterres-un-secretary-general","nobody-of-that-name"'), encoding="utf-8")
    return package


def descriptor() -> dict:
    return json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def csv_rows(name: str) -> list[dict]:
    with open(ROOT / "data" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def row_counts() -> dict[str, int]:
    return {resource["name"]: len(csv_rows(resource["name"])) for resource in descriptor()["resources"]}


def fields_of(name: str) -> list[dict]:
    return next(r for r in descriptor()["resources"] if r["name"] == name)["schema"]["fields"]


def have_command(name: str) -> bool:
    return shutil.which(name) is not None


# The facts every client test asserts, from the CSVs: a CAMEO code that a number reader would spoil, a stated
# size (integer), a flag (boolean), a foreign key to resolve, and the self-reference between quotes.
CAMEO_WITH_LEADING_ZERO = csv_rows("cameo_codes")[0]["cameo_code"]
SIZED_DELEGATION = next(r for r in csv_rows("delegations") if r["stated_size"])
LOCATED_PLACE = next(r for r in csv_rows("places") if r["latitude"])  # a number column
ROLE = csv_rows("roles")[0]  # its person_id resolves to a row of persons
RESPONDING_QUOTE = next(r for r in csv_rows("quotes") if r["responds_to_quote_id"])
assert CAMEO_WITH_LEADING_ZERO.startswith("0"), "the data no longer has a CAMEO code with a leading zero"


def by_key(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


def assert_read_with_types_and_relations(tables: dict, describe_value) -> None:
    """What a Data Package reader made of the package (tables: name -> rows, foreign keys resolved to the rows they
    point at): every table read whole, codes kept as text, integers and numbers typed, keys resolved.
    describe_value(value) says what a date, datetime or number became, as (type name, text)."""
    failed = {name: rows["error"] for name, rows in tables.items() if isinstance(rows, dict)}
    assert not failed, failed
    assert {name: len(rows) for name, rows in tables.items()} == row_counts()
    cameo = tables["cameo_codes"][0]["cameo_code"]
    assert cameo == CAMEO_WITH_LEADING_ZERO and isinstance(cameo, str)
    size = by_key(tables["delegations"], "delegation_id")[SIZED_DELEGATION["delegation_id"]]["stated_size"]
    assert size == int(SIZED_DELEGATION["stated_size"]) and type(size) is int
    kind, text = describe_value(by_key(tables["places"], "place_id")[LOCATED_PLACE["place_id"]]["latitude"])
    assert kind in ("float", "Decimal", "int") and float(text) == float(LOCATED_PLACE["latitude"])  # a number, typed
    person = by_key(tables["roles"], "role_id")[ROLE["role_id"]]["person_id"]  # resolved: the persons row
    expected_person = by_key(csv_rows("persons"), "person_id")[ROLE["person_id"]]
    assert isinstance(person, dict) and (person["person_id"], person["name"]) == (expected_person["person_id"],
                                                                                  expected_person["name"])
    responded = by_key(tables["quotes"], "quote_id")[RESPONDING_QUOTE["quote_id"]]["responds_to_quote_id"]
    assert isinstance(responded, dict) and responded["quote_id"] == RESPONDING_QUOTE["responds_to_quote_id"]
    published = tables["sources"][0]["published"]
    kind, text = describe_value(published)
    assert kind == "datetime" and text.startswith(csv_rows("sources")[0]["published"][:10]), published
    dated = next(r for r in csv_rows("events") if r["date_start"])
    kind, text = describe_value(by_key(tables["events"], "event_id")[dated["event_id"]]["date_start"])
    assert kind == "date" and text.startswith(dated["date_start"])


def assert_dangling_key_refused(tables: dict) -> None:
    """On the broken copy: the roles table is refused for its foreign key; tables that do not look it up read."""
    assert isinstance(tables["roles"], dict), "a role pointing at no person was read without complaint"
    assert "foreign key" in tables["roles"]["error"].lower(), tables["roles"]
    assert isinstance(tables["persons"], list) and len(tables["persons"]) == row_counts()["persons"]


def variant_without_dialect(target: Path, minimal_quoting: bool) -> Path:
    """A copy of the package whose descriptor declares no dialect (readers sniff), its CSVs written with minimal
    quoting or as published: the evidence for quoting every field (docs/clients.md)."""
    package = copy_package(target)
    path = package / "datapackage.json"
    value = json.loads(path.read_text(encoding="utf-8"))
    for resource in value["resources"]:
        del resource["dialect"]
    path.write_text(json.dumps(value), encoding="utf-8")
    if minimal_quoting:
        for table in (package / "data").glob("*.csv"):
            with open(table, encoding="utf-8", newline="") as handle:
                records = list(csv.reader(handle))
            with open(table, "w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows(records)
    return package
