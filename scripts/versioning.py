"""Versions and ids: ids of a release never disappear silently.

    python -m scripts.versioning check    # exit 1 when an id of the last release is gone without a CHANGELOG line
    python -m scripts.versioning record   # at a release: write releases/<version>.json with the current ids

`releases/<version>.json` holds the ids of every table as released: the primary key of each row, a composite key
joined with '/'. An id of the last release (the highest version under releases/) that is no longer in the data must
be named in CHANGELOG.md, in backticks as `table/id`, in a section above that release's heading.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.check.inputs import read_capped, strict_json
from scripts.csvio import read_rows
from scripts.generated import INPUT_ERRORS
from scripts.schemas import load_spec

RELEASES_DIR = "releases"
CHANGELOG = "CHANGELOG.md"
# The official SemVer 2.0.0 pattern (semver.org), named groups dropped.
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
# "## [0.1.0] - 2026-11-28" or "## [Unreleased]"
SECTION_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.MULTILINE)
KEY_SEPARATOR = "/"


MAX_RELEASE_FILE_BYTES = 16_000_000  # CHANGELOG.md and a release's id list are kB; a device or a huge file is refused


def read_release_file(path: Path) -> str:
    """A changelog or release file as text: a regular file only (a pipe or a device is refused at once, never
    waited on), at most MAX_RELEASE_FILE_BYTES, UTF-8."""
    try:
        return read_capped(path, MAX_RELEASE_FILE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VersioningError(f"{path.name}: cannot be read as a UTF-8 regular file ({error})") from None


class VersioningError(Exception):
    """The package, the changelog or a release file cannot be read as this module needs (a message for people)."""


@dataclass
class ChangelogSection:
    version: str  # "Unreleased" or a SemVer version
    date: str | None
    text: str


def is_semver(version: str) -> bool:
    return bool(SEMVER.match(version))


def semver_key(version: str) -> tuple:
    """A sort key: releases order by major, minor, patch; a pre-release sorts before its release."""
    match = SEMVER.match(version)
    if not match:
        raise VersioningError(f"{version!r} is not a SemVer version (MAJOR.MINOR.PATCH)")
    major, minor, patch, prerelease, _ = match.groups()
    return int(major), int(minor), int(patch), prerelease is None, prerelease or ""


def changelog_sections(root: Path) -> list[ChangelogSection]:
    path = Path(root) / CHANGELOG
    if not path.is_file():
        raise VersioningError(f"{CHANGELOG}: missing")
    text = read_release_file(path)
    headings = list(SECTION_HEADING.finditer(text))
    sections = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        sections.append(ChangelogSection(heading["version"], heading["date"], text[heading.end():end]))
    return sections


def release_date(root: Path, version: str) -> str:
    """The date of a version's heading in CHANGELOG.md, "## [0.1.0] - 2026-11-28"."""
    for section in changelog_sections(root):
        if section.version == version:
            if not section.date:
                raise VersioningError(f"{CHANGELOG}: the heading of version {version} has no date "
                                      f"(write it as '## [{version}] - YYYY-MM-DD')")
            return section.date
    raise VersioningError(f"{CHANGELOG}: no section for version {version} (add '## [{version}] - YYYY-MM-DD')")


def current_ids(root: Path) -> dict[str, list[str]]:
    """The ids of every table of the package, in file order."""
    spec = load_spec(root)
    ids = {}
    for table in spec.tables:
        rows = read_rows(Path(root) / table.data_path)
        ids[table.name] = [KEY_SEPARATOR.join(row[k] for k in table.primary_key) for row in rows]
    return ids


def release_files(root: Path) -> dict[str, Path]:
    directory = Path(root) / RELEASES_DIR
    files = {p.name.removesuffix(".json"): p for p in directory.glob("*.json")} if directory.is_dir() else {}
    for version in files:
        if not is_semver(version):
            raise VersioningError(f"{RELEASES_DIR}/{version}.json: the file name is not a SemVer version")
    return files


def last_release(root: Path, before: str | None = None) -> tuple[str, dict[str, list[str]]] | None:
    """The highest recorded release (below `before`, when given) and its ids."""
    files = release_files(root)
    if before is not None:
        files = {v: p for v, p in files.items() if semver_key(v) < semver_key(before)}
    if not files:
        return None
    version = max(files, key=semver_key)
    path = files[version]
    try:
        recorded = strict_json(read_release_file(path))
        ids = recorded["ids"]
        if recorded["version"] != version or not all(isinstance(v, list) and all(isinstance(i, str) for i in v)
                                                     for v in ids.values()):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise VersioningError(f"{RELEASES_DIR}/{path.name}: not a release id list "
                              '({"version": ..., "ids": {table: [id, ...]}})') from None
    return version, ids


def problems(root: Path, before: str | None = None) -> list[str]:
    """Everything that breaks the versioning rules, one message per problem; against the last release below
    `before` when given (recording a version compares it with the release before it, not with itself)."""
    root = Path(root)
    spec = load_spec(root)
    version = str(spec.metadata.get("version", ""))
    found = []
    if not is_semver(version):
        return [f"schemas/package.yaml: version {version!r} is not a SemVer version (MAJOR.MINOR.PATCH)"]
    sections = changelog_sections(root)
    if not any(s.version == version for s in sections):
        found.append(f"{CHANGELOG}: no section for the package version {version} (add '## [{version}] - YYYY-MM-DD')")
    release = last_release(root, before)
    if release is None:
        return found
    released_version, released_ids = release
    if semver_key(version) < semver_key(released_version):
        found.append(f"schemas/package.yaml: version {version} is older than the last release {released_version}")
    # A removal is explained only in the sections written after the release (those above its heading).
    newer = []
    for section in sections:
        if section.version == released_version:
            break
        newer.append(section.text)
    else:
        found.append(f"{CHANGELOG}: no section for the last release {released_version}")
    explained = set(re.findall(r"`([^`\s]+)`", "\n".join(newer)))
    now = current_ids(root)
    for table, ids in released_ids.items():
        present = set(now.get(table, []))
        for id_ in ids:
            qualified = f"{table}{KEY_SEPARATOR}{id_}"
            if id_ not in present and qualified not in explained:
                where = spec.by_name[table].data_path if table in spec.by_name else f"table {table}"
                found.append(f"{where}: id {id_!r} of release {released_version} is gone; name `{qualified}` "
                             f"in {CHANGELOG} under a newer version (### Removed), with the reason")
    return found


def render_release(version: str, ids: dict[str, list[str]]) -> str:
    return json.dumps({"version": version, "ids": ids}, indent=2, ensure_ascii=False) + "\n"


def record(root: Path) -> Path:
    """Write releases/<version>.json with the current ids (refusing while the rules are broken)."""
    root = Path(root)
    version = str(load_spec(root).metadata.get("version", ""))
    found = problems(root, before=version) if is_semver(version) else problems(root)
    if found:
        raise VersioningError("cannot record the release:\n" + "\n".join(f"  {p}" for p in found))
    release_date(root, version)  # a release has a dated changelog heading
    target = root / RELEASES_DIR / f"{version}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_release(version, current_ids(root)), encoding="utf-8")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("check", "record"))
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        if args.command == "record":
            print(f"wrote {record(root)}")
            return 0
        found = problems(root)
    except (VersioningError, *INPUT_ERRORS) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for problem in found:
        print(problem)
    if found:
        print(f"INVALID: {len(found)} versioning problem{'s' if len(found) != 1 else ''}")
        return 1
    print("ids: none of the last release is gone silently")
    return 0


if __name__ == "__main__":
    sys.exit(main())
