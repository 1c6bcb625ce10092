"""`make dist` (python -m scripts.dist): the release bundle, unzipped and checked in a temp dir, reproducible,
with checksums; refused while a generated file is stale or an id vanished silently."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import zipfile

import pytest

from scripts.check import checked_package
from scripts.check import main as check_main
from scripts.dist import main as dist_main
from scripts.dist import write_zip
from scripts.schemas import load_spec
from tests.conftest import ROOT, assert_runs_as_a_module, read_csv, run_main, snapshot, write_csv
from tests.release_tree import copy_release_tree

SPEC = load_spec(ROOT)
BASE = f"{SPEC.metadata['name']}-{SPEC.metadata['version']}"
REQUIRED = ["datapackage.json", "README.md", "CITATION.cff", "docs/codebook.md", "schemas/package.yaml",
            "schemas/common.schema.json", *[t.data_path for t in SPEC.tables], *[t.schema_path for t in SPEC.tables],
            *[f"seeds/{p.name}" for p in (ROOT / "seeds").glob("*.txt")]]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The real package's bundle, made once for the module (the tests below only read it)."""
    out = tmp_path_factory.mktemp("dist")
    result = run_main(dist_main, "--root", str(ROOT), "--output-dir", str(out))
    assert result.returncode == 0, result.output
    return out


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory):
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle / f"{BASE}.zip") as archive:
        archive.extractall(target)
    return target / BASE


def test_bundle_has_the_zip_the_database_the_exports_and_checksums(bundle):
    files = [f"{BASE}.zip", f"{BASE}.db", f"{BASE}-exports.zip"]
    assert sorted(p.name for p in bundle.iterdir()) == sorted([*files, "SHA256SUMS"])
    lines = (bundle / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("  ")[1] for line in lines) == sorted(files)
    for line in lines:
        digest, name = line.split("  ")
        assert digest == hashlib.sha256((bundle / name).read_bytes()).hexdigest(), name


def test_unzipped_bundle_is_a_valid_package(unpacked):
    result = run_main(check_main, str(unpacked / "datapackage.json"))
    assert result.returncode == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith(f"valid: {len(SPEC.tables)} tables")


def test_zip_holds_the_package_and_its_documents_unchanged(bundle, unpacked):
    with zipfile.ZipFile(bundle / f"{BASE}.zip") as archive:
        names = archive.namelist()
    assert names == sorted(names) and all(n.startswith(f"{BASE}/") for n in names)
    members = {n.removeprefix(f"{BASE}/") for n in names}
    assert set(REQUIRED) <= members
    assert not any(m.startswith(("tests/", "scripts/", "build/", ".")) for m in members)
    for member in members:
        assert (unpacked / member).read_bytes() == (ROOT / member).read_bytes(), member


def test_zip_is_reproducible(bundle, tmp_path):
    """Same files in, same bytes out: entries sorted, timestamps the release date, fixed permissions."""
    with zipfile.ZipFile(bundle / f"{BASE}.zip") as archive:
        infos = archive.infolist()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = dt.date.fromisoformat(changelog.split(f"## [{SPEC.metadata['version']}] - ")[1][:10])
    assert {i.date_time for i in infos} == {(released.year, released.month, released.day, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    again = tmp_path / "again.zip"
    write_zip(ROOT, checked_package(ROOT), again, BASE, dt.datetime(released.year, released.month, released.day))
    assert again.read_bytes() == (bundle / f"{BASE}.zip").read_bytes()


def test_exports_zip_holds_the_exports_of_the_package(bundle, exports):
    """The bundle's exports are those `make export` writes (tests/test_export.py reads those back)."""
    with zipfile.ZipFile(bundle / f"{BASE}-exports.zip") as archive:
        members = {info.filename.removeprefix(f"{BASE}-exports/"): archive.read(info) for info in archive.infolist()}
    written = {p.relative_to(exports).as_posix(): p.read_bytes() for p in exports.rglob("*") if p.is_file()}
    assert members == written
    assert {"annotations.jsonld", "popolo.json", "brat/annotation.conf"} <= set(members)


def test_database_holds_every_row_of_the_package(bundle):
    connection = sqlite3.connect(f"file:{bundle / f'{BASE}.db'}?mode=ro", uri=True)
    try:
        for table in SPEC.tables:
            _, rows = read_csv(ROOT / table.data_path)
            assert connection.execute(f'select count(*) from "{table.name}"').fetchone()[0] == len(rows), table.name
    finally:
        connection.close()


def test_stale_citation_is_refused_and_nothing_written(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    cff = package / "CITATION.cff"
    cff.write_text(cff.read_text(encoding="utf-8").replace(descriptor["version"], "9.9.9"), encoding="utf-8")
    out = tmp_path / "dist"
    result = run_main(dist_main, "--root", str(package), "--output-dir", str(out))
    assert result.returncode == 1
    assert "stale generated files: CITATION.cff; run `make docs`" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_silently_removed_id_is_refused_and_nothing_written(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    header, rows = read_csv(package / "data" / "source_notes.csv")
    write_csv(package / "data" / "source_notes.csv", header, rows[1:])
    pointers_header, pointers = read_csv(package / "data" / "source_note_rows.csv")  # its rows go with it
    write_csv(package / "data" / "source_note_rows.csv", pointers_header,
              [row for row in pointers if row["note_id"] != rows[0]["note_id"]])
    before = snapshot(package)
    out = tmp_path / "dist"
    result = run_main(dist_main, "--root", str(package), "--output-dir", str(out))
    assert result.returncode == 1
    assert f"`source_notes/{rows[0]['note_id']}`" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())
    assert snapshot(package) == before


def test_python_m_scripts_dist_starts():
    assert_runs_as_a_module("scripts.dist")  # the suite's one `python -m scripts.dist`
