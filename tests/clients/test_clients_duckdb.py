"""DuckDB's read_csv_auto with no hints at all types every column as the Table Schema says (codes with a leading
zero stay text, integers, booleans, dates and the publication datetime typed), and SQL joins resolve the foreign
keys. DuckDB is in the project's requirements.txt."""
from __future__ import annotations

import duckdb
import pytest

from tests.clients.conftest import CAMEO_WITH_LEADING_ZERO, LOCATED_PLACE, SIZED_DELEGATION, csv_rows, descriptor, row_counts

DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
                "datetime": "TIMESTAMP"}
TABLES = [resource["name"] for resource in descriptor()["resources"]]


@pytest.fixture(scope="module")
def con(client_package):
    connection = duckdb.connect()
    for name in TABLES:
        path = (client_package / "data" / f"{name}.csv").as_posix()
        connection.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_csv_auto('{path}')")
    yield connection
    connection.close()


@pytest.mark.parametrize("name", TABLES)
def test_read_csv_auto_types_every_column_as_the_table_schema(con, name):
    fields = next(r for r in descriptor()["resources"] if r["name"] == name)["schema"]["fields"]
    described = con.execute(f'DESCRIBE "{name}"').fetchall()
    assert [(column, kind) for column, kind, *_ in described] == [(f["name"], DUCKDB_TYPES[f["type"]]) for f in fields]
    assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == row_counts()[name]


def test_typed_values_and_resolved_keys(con):
    assert con.execute("SELECT cameo_code FROM cameo_codes ORDER BY cameo_code LIMIT 1").fetchone()[0] == \
        CAMEO_WITH_LEADING_ZERO
    size = con.execute("SELECT stated_size FROM delegations WHERE delegation_id = ?",
                       [SIZED_DELEGATION["delegation_id"]]).fetchone()[0]
    assert size == int(SIZED_DELEGATION["stated_size"]) and type(size) is int
    latitude = con.execute("SELECT latitude FROM places WHERE place_id = ?", [LOCATED_PLACE["place_id"]]).fetchone()[0]
    assert latitude == float(LOCATED_PLACE["latitude"]) and type(latitude) is float
    unresolved = con.execute("""SELECT count(*) FROM roles r LEFT JOIN persons p USING (person_id)
                                WHERE p.person_id IS NULL""").fetchone()[0]
    assert unresolved == 0 and con.execute("SELECT count(*) FROM roles JOIN persons USING (person_id)").fetchone()[0] \
        == len(csv_rows("roles"))
    empty_size = con.execute("SELECT count(*) FROM delegations WHERE stated_size IS NULL").fetchone()[0]
    assert empty_size == sum(1 for r in csv_rows("delegations") if not r["stated_size"])  # "" is missing, not 0
