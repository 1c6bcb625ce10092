"""The legacy Python Data Package libraries (datapackage 1.x, tableschema 1.x; tests/clients/requirements-legacy.txt)
read every resource with read(keyed=True, relations=True), in their own venv."""
from __future__ import annotations

import json

import pytest

from tests.clients.conftest import (CLIENTS_DIR, assert_dangling_key_refused, assert_read_with_types_and_relations,
                                    run_json, venv_python)
from tests.conftest import copy_package

READER = CLIENTS_DIR / "read_package_legacy.py"


@pytest.fixture(scope="module")
def python():
    return venv_python("legacy")


def describe(value) -> tuple[str, str]:
    """read_package_legacy.py writes a date or datetime as {"type", "value"}."""
    if isinstance(value, dict) and "type" in value:
        return value["type"], value["value"]
    return type(value).__name__, str(value)


def test_legacy_python_datapackage_reads_every_table_typed_with_its_relations(python, client_package):
    out = run_json([python, READER, client_package / "datapackage.json"], client_package)
    assert out["valid"] is True, out["errors"]
    assert_read_with_types_and_relations(out["tables"], describe)


def test_legacy_python_datapackage_refuses_a_dangling_foreign_key(python, dangling_package):
    out = run_json([python, READER, dangling_package / "datapackage.json"], dangling_package)
    assert_dangling_key_refused(out["tables"])


def test_evidence_without_the_datetime_format_v1_readers_refuse_every_table_keyed_to_sources(python, tmp_path):
    """Why `published` declares its format: v1's default datetime format demands a 'Z', which the seed's time does
    not have; without the format the sources table fails, and so does every table whose foreign keys look it up."""
    package = copy_package(tmp_path / "p")
    path = package / "datapackage.json"
    value = json.loads(path.read_text(encoding="utf-8"))
    published = next(f for f in value["resources"][0]["schema"]["fields"] if f["name"] == "published")
    del published["format"]
    path.write_text(json.dumps(value), encoding="utf-8")
    tables = run_json([python, READER, path], package)["tables"]
    refused = {name for name, rows in tables.items() if isinstance(rows, dict)}
    assert "sources" in refused and "published" in tables["sources"]["error"]
    keyed_to_sources = {r["name"] for r in value["resources"]
                        if any(fk["reference"].get("resource") == "sources" for fk in r["schema"].get("foreignKeys", []))}
    assert keyed_to_sources and keyed_to_sources <= refused
