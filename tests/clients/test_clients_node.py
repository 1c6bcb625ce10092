"""The npm Data Package readers (datapackage + tableschema, pinned in tests/clients/node/package-lock.json) read
every resource with cast: true and relations: true."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.clients.conftest import (NODE_DIR, assert_dangling_key_refused, assert_read_with_types_and_relations,
                                    require, run_json, variant_without_dialect)
from tests.conftest import ROOT

READER = NODE_DIR / "read_package.js"


@pytest.fixture(scope="module")
def node():
    require(shutil.which("node") is not None, "node is not installed")
    require((NODE_DIR / "node_modules" / ".installed").exists(),
            "npm datapackage/tableschema not installed in tests/clients/node: run `bash tests/clients/install.sh`")
    return shutil.which("node")


def describe(value) -> tuple[str, str]:
    """JSON carries a JS Date as an ISO string: a date cast by tableschema is midnight, a datetime has its time."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00\.000Z", value):
        return "date", value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", value):
        return "datetime", value
    return type(value).__name__, str(value)


def test_npm_datapackage_reads_every_table_typed_with_its_relations(node, client_package):
    out = run_json([node, READER, client_package / "datapackage.json"], NODE_DIR)
    assert out["valid"] is True, out["errors"]
    assert_read_with_types_and_relations(out["tables"], describe)


def test_npm_datapackage_refuses_a_dangling_foreign_key(node, dangling_package):
    out = run_json([node, READER, dangling_package / "datapackage.json"], NODE_DIR)
    assert_dangling_key_refused(out["tables"])


def test_evidence_with_no_dialect_quoting_every_field_is_what_keeps_the_sniffer_right(node, tmp_path):
    """Why both a declared dialect and quoted fields: with no dialect the npm reader sniffs each CSV; with minimal
    quoting it guesses sentences.csv wrong (apostrophes in unquoted cells), which fails that table and every table
    whose foreign keys look it up; with every field quoted it reads all of them."""
    minimal = variant_without_dialect(ROOT, tmp_path / "minimal", minimal_quoting=True)
    tables = run_json([node, READER, minimal / "datapackage.json"], NODE_DIR)["tables"]
    assert isinstance(tables["sentences"], dict), "npm now sniffs minimal quoting right: docs/clients.md may be revisited"
    quoted = variant_without_dialect(ROOT, tmp_path / "quoted", minimal_quoting=False)
    tables = run_json([node, READER, quoted / "datapackage.json"], NODE_DIR)["tables"]
    assert all(isinstance(rows, list) for rows in tables.values()), {k: v for k, v in tables.items() if isinstance(v, dict)}
