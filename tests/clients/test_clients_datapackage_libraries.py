"""The Data Package libraries users already have, as they use them: the npm `datapackage` + `tableschema` (pinned in
tests/clients/node/package-lock.json; `read({keyed, cast: true, relations: true})`) and the legacy Python
`datapackage` 1.x + `tableschema` 1.x (tests/clients/requirements-legacy.txt, their own venv;
`read(keyed=True, relations=True)`) read every resource typed, with its foreign keys resolved, and refuse a dangling
one. Each prints {"valid", "errors", "tables"} as JSON (read_package.js, read_package_legacy.py)."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.clients.conftest import (
    CLIENTS_DIR,
    NODE_DIR,
    assert_dangling_key_refused,
    assert_read_with_types_and_relations,
    require,
    run_json,
    variant_without_dialect,
    venv_python,
)
from tests.conftest import copy_package


def describe_js(value) -> tuple[str, str]:
    """JSON carries a JS Date as an ISO string: a date cast by tableschema is midnight, a datetime has its time."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00\.000Z", value):
        return "date", value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", value):
        return "datetime", value
    return type(value).__name__, str(value)


def describe_python(value) -> tuple[str, str]:
    """read_package_legacy.py writes a date or datetime as {"type", "value"}."""
    if isinstance(value, dict) and "type" in value:
        return value["type"], value["value"]
    return type(value).__name__, str(value)


def node_reader():
    require(shutil.which("node") is not None, "node is not installed")
    require((NODE_DIR / "node_modules" / ".installed").exists(),
            "npm datapackage/tableschema not installed in tests/clients/node: run `bash tests/clients/install.sh`")
    return lambda descriptor: run_json([shutil.which("node"), NODE_DIR / "read_package.js", descriptor], NODE_DIR)


def legacy_reader():
    python = venv_python("legacy")
    return lambda descriptor: run_json([python, CLIENTS_DIR / "read_package_legacy.py", descriptor], descriptor.parent)


READERS = {"npm": (node_reader, describe_js), "legacy-python": (legacy_reader, describe_python)}


@pytest.fixture(params=list(READERS))
def reader(request):
    make, describe = READERS[request.param]
    return make(), describe


def test_reads_every_table_typed_with_its_relations(reader, client_package):
    read, describe = reader
    out = read(client_package / "datapackage.json")
    assert out["valid"] is True, out["errors"]
    assert_read_with_types_and_relations(out["tables"], describe)


def test_refuses_a_dangling_foreign_key(reader, dangling_package):
    read, _ = reader
    assert_dangling_key_refused(read(dangling_package / "datapackage.json")["tables"])


def test_evidence_with_no_dialect_quoting_every_field_is_what_keeps_npm_s_sniffer_right(tmp_path):
    """Why both a declared dialect and quoted fields: with no dialect the npm reader sniffs each CSV; with minimal
    quoting it guesses sentences.csv wrong (apostrophes in unquoted cells), which fails that table and every table
    whose foreign keys look it up; with every field quoted it reads all of them."""
    read = node_reader()
    minimal = variant_without_dialect(tmp_path / "minimal", minimal_quoting=True)
    tables = read(minimal / "datapackage.json")["tables"]
    assert isinstance(tables["sentences"], dict), "npm now sniffs minimal quoting right: docs/clients.md may be revisited"
    quoted = variant_without_dialect(tmp_path / "quoted", minimal_quoting=False)
    tables = read(quoted / "datapackage.json")["tables"]
    assert all(isinstance(rows, list) for rows in tables.values()), {k: v for k, v in tables.items() if isinstance(v, dict)}


@pytest.mark.parametrize("make", [node_reader, legacy_reader], ids=["npm", "legacy-python"])
def test_evidence_without_the_datetime_format_v1_readers_refuse_every_table_keyed_to_sources(make, tmp_path):
    """Why `published` declares its format: v1's default datetime format demands a 'Z', which the seed's time does
    not have; without the format the sources table fails, and so does every table whose foreign keys look it up."""
    read = make()
    package = copy_package(tmp_path / "p")
    path = package / "datapackage.json"
    value = json.loads(path.read_text(encoding="utf-8"))
    published = next(f for f in value["resources"][0]["schema"]["fields"] if f["name"] == "published")
    del published["format"]
    path.write_text(json.dumps(value), encoding="utf-8")
    tables = read(path)["tables"]
    refused = {name for name, rows in tables.items() if isinstance(rows, dict)}
    assert "sources" in refused and "published" in tables["sources"]["error"]
    keyed_to_sources = {r["name"] for r in value["resources"]
                        if any(fk["reference"].get("resource") == "sources" for fk in r["schema"].get("foreignKeys", []))}
    assert keyed_to_sources and keyed_to_sources <= refused
