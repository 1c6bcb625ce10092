"""The legacy Python Data Package libraries (datapackage 1.x, tableschema 1.x; tests/clients/requirements-legacy.txt)
read every resource with read(keyed=True, relations=True), in their own venv."""
from __future__ import annotations

import pytest

from tests.clients.conftest import (CLIENTS_DIR, assert_dangling_key_refused, assert_read_with_types_and_relations,
                                    run_json, venv_python)

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
