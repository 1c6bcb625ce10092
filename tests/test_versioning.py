"""Versioning: a SemVer version with its changelog section, and ids of the last release that never disappear
without a changelog line naming them (checked on the real package and on broken copies)."""
from __future__ import annotations

import json

import pytest

from scripts.schemas import load_spec
from scripts.versioning import is_semver, semver_key
from scripts.versioning import main as versioning_main
from tests.conftest import ROOT, read_csv, run_main, run_module, snapshot, write_csv
from tests.release_tree import copy_release_tree, replace_in


def remove_first_row(package, table: str) -> dict:
    path = package / "data" / f"{table}.csv"
    header, rows = read_csv(path)
    write_csv(path, header, rows[1:])
    return rows[0]


def check(package):
    return run_main(versioning_main, "check", "--root", str(package))


def last_release_file():
    files = sorted((ROOT / "releases").glob("*.json"), key=lambda p: semver_key(p.stem))
    assert files, "no release id list under releases/"
    return files[-1]


def test_version_is_semver_with_a_dated_changelog_section():
    version = load_spec(ROOT).metadata["version"]
    assert isinstance(version, str) and is_semver(version)
    assert f"\n## [{version}] - " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("version, valid", [
    ("0.1.0", True), ("1.0.0-alpha.1", True), ("2.10.3+build.7", True),
    ("1.0", False), ("01.0.0", False), ("v1.0.0", False), ("1.0.0-", False),
])
def test_semver_pattern(version, valid):
    assert is_semver(version) is valid


def test_prerelease_sorts_before_its_release():
    assert semver_key("1.0.0-rc.1") < semver_key("1.0.0") < semver_key("1.0.1") < semver_key("1.10.0")


def test_last_release_lists_the_ids_of_every_table():
    recorded = json.loads(last_release_file().read_text(encoding="utf-8"))
    assert recorded["version"] == last_release_file().stem
    spec = load_spec(ROOT)
    assert set(recorded["ids"]) == {t.name for t in spec.tables}
    assert all(recorded["ids"].values())
    assert f"\n## [{recorded['version']}] - " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_no_id_of_the_last_release_is_gone_silently():
    # the suite's one `python -m scripts.versioning`; the other tests call its main in this process
    result = run_module("scripts.versioning", "check", "--root", str(ROOT))
    assert result.returncode == 0, result.output


def test_a_removed_id_fails_until_the_changelog_names_it(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    removed = remove_first_row(package, "source_notes")["note_id"]
    before = snapshot(package)
    result = check(package)
    assert result.returncode == 1
    assert f"data/source_notes.csv: id '{removed}' of release 0.2.0 is gone; name `source_notes/{removed}`" \
        in result.stdout
    assert snapshot(package) == before
    replace_in(package / "CHANGELOG.md", "## [Unreleased]\n",
               f"## [Unreleased]\n\n### Removed\n\n- `source_notes/{removed}`: merged into another note.\n")
    result = check(package)
    assert result.returncode == 0, result.output


def test_a_line_in_the_released_section_does_not_explain_a_later_removal(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    removed = remove_first_row(package, "source_notes")["note_id"]
    replace_in(package / "CHANGELOG.md", "### Added\n", f"### Added\n\n- `source_notes/{removed}`\n")
    assert check(package).returncode == 1


def test_an_unqualified_id_does_not_explain_a_removal(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    removed = remove_first_row(package, "source_notes")["note_id"]
    replace_in(package / "CHANGELOG.md", "## [Unreleased]\n", f"## [Unreleased]\n\n- `{removed}` removed\n")
    assert check(package).returncode == 1


def test_a_removed_composite_key_is_named_with_its_parts(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    row = remove_first_row(package, "delegation_members")
    result = check(package)
    assert result.returncode == 1
    assert f"`delegation_members/{row['delegation_id']}/{row['person_id']}`" in result.stdout


def test_a_version_that_is_not_semver_is_reported(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    replace_in(package / "schemas" / "package.yaml", "version: 0.2.0", "version: '0.2'")
    result = check(package)
    assert result.returncode == 1 and "version '0.2' is not a SemVer version" in result.stdout


def test_record_writes_the_next_release_which_becomes_the_reference(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    removed = remove_first_row(package, "source_notes")["note_id"]
    replace_in(package / "schemas" / "package.yaml", "version: 0.2.0", "version: 0.3.0")
    # Without the changelog line, recording refuses and writes nothing.
    replace_in(package / "CHANGELOG.md", "## [Unreleased]\n", "## [Unreleased]\n\n## [0.3.0] - 2027-01-02\n")
    refused = run_main(versioning_main, "record", "--root", str(package))
    assert refused.returncode == 2 and removed in refused.stderr
    assert not (package / "releases" / "0.3.0.json").exists()
    replace_in(package / "CHANGELOG.md", "## [0.3.0] - 2027-01-02\n",
               f"## [0.3.0] - 2027-01-02\n\n### Removed\n\n- `source_notes/{removed}`: a duplicate.\n")
    assert run_main(versioning_main, "record", "--root", str(package)).returncode == 0
    recorded = json.loads((package / "releases" / "0.3.0.json").read_text(encoding="utf-8"))
    assert recorded["version"] == "0.3.0" and removed not in recorded["ids"]["source_notes"]
    _, rows = read_csv(package / "data" / "source_notes.csv")
    assert recorded["ids"]["source_notes"] == [r["note_id"] for r in rows]
    # From now on 0.3.0 is the reference: removing another id fails again.
    again = remove_first_row(package, "source_notes")["note_id"]
    result = check(package)
    assert result.returncode == 1 and f"of release 0.3.0 is gone; name `source_notes/{again}`" in result.stdout


@pytest.mark.parametrize("content", ["fifo", b"[" * 100_000 + b"]" * 100_000,
                                     b'{"version": "0.2.0", "ids": {"persons": [1, {"a": 2}]}}'],
                         ids=["named-pipe", "nested-100000-deep", "ids-not-strings"])
def test_a_hostile_release_file_is_a_message_not_a_hang_or_a_traceback(tmp_path, content):
    """Red team: releases/<version>.json as a named pipe hung `make dist`; nested or odd JSON gave tracebacks."""
    import os

    package = copy_release_tree(tmp_path / "p")
    release = next((package / "releases").glob("*.json"))
    release.unlink()
    if content == "fifo":
        os.mkfifo(release)
    else:
        release.write_bytes(content)
    result = run_main(versioning_main, "check", "--root", str(package), pipe=release if content == "fifo" else None)
    assert result.returncode in (1, 2) and "Traceback" not in result.output
    assert release.name in result.output
