"""Write the release bundle under dist/: the data package as a zip, the SQLite database, and SHA256SUMS.

    python -m scripts.dist [--root .] [--output-dir dist]

    dist/<name>-<version>.zip   datapackage.json, data/*.csv, schemas/, seeds/, README.md, CITATION.cff,
                                CHANGELOG.md, docs/codebook.md and docs/figures/, under one folder <name>-<version>/
    dist/<name>-<version>.db    the SQLite build of the same package (scripts/build_sqlite.py)
    dist/<name>-<version>-exports.zip  the exports of the same database (scripts/export/): the W3C Web
                                Annotation collection, the brat standoff folder and the Popolo JSON, under one
                                folder <name>-<version>-exports/
    dist/SHA256SUMS             `sha256sum -c SHA256SUMS` checks all three

The package's files in the zip are the very bytes the check read (scripts.check.checked_package: each proved by its
sha256 when it is read again), and only those; the database is built from the same vetted rows.
The zips are reproducible: entries sorted, every timestamp the release date of CHANGELOG.md, fixed permissions.
It refuses (exit 1, nothing written) while a generated file is stale (CITATION.cff, the codebook, the figures),
an id of the last release is gone without a CHANGELOG line, or the check rejects the package (the SQLite
build runs it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

from scripts import charts, citation, codebook, versioning
from scripts.build_sqlite import BuildRefused, build_database
from scripts.check import PackageRefused, Vetted, VettedFileChanged, checked_package
from scripts.check.inputs import read_capped, safe_path, sha256_of_file
from scripts.export import EXPORT_DIR as EXPORTS
from scripts.export import render_exports
from scripts.generated import INPUT_ERRORS

DIST_DIR = "dist"
CHECKSUMS = "SHA256SUMS"
DOCUMENTS = ("README.md", "CITATION.cff", "CHANGELOG.md", "docs/codebook.md")
FILE_MODE = 0o644


class DistError(Exception):
    """The bundle cannot be written (a message for people)."""


MAX_DOCUMENT_BYTES = 50_000_000


def bundle_members(root: Path, vetted: Vetted) -> list[str]:
    """The package-relative paths of the zip, sorted: every file the check read (the descriptor, the tables,
    their schemas, package.yaml, the seeds), the documents and the figures."""
    members = {*vetted.files, *DOCUMENTS}
    members.update(p.relative_to(root).as_posix() for p in (root / charts.FIGURES_DIR).glob("*.svg"))
    missing = sorted(m for m in members if not (root / m).is_file())
    if missing:
        raise DistError("missing from the package: " + ", ".join(missing))
    return sorted(members)


def member_bytes(root: Path, vetted: Vetted, member: str) -> bytes:
    """A file of the bundle: a vetted file as the check read it (or DistError), a document or figure read as the
    check reads files (inside the package, a regular file, size-capped)."""
    if member in vetted.files:
        try:
            return vetted.read_bytes(member)
        except (VettedFileChanged, OSError) as error:
            raise DistError(f"{member}: {error}")
    file, refusal = safe_path(root, member, "release file")
    if refusal:
        raise DistError(refusal.message)
    return read_capped(file, MAX_DOCUMENT_BYTES)


def stale_generated_files(root: Path, vetted: Vetted) -> list[str]:
    """Generated files that differ from what their generator writes now from the vetted package."""
    stale = []
    cff = root / citation.CFF_FILE
    if not cff.is_file() or cff.read_text(encoding="utf-8") != citation.render_cff(citation.build_citation(root, vetted)):
        stale.append(citation.CFF_FILE)
    book = root / codebook.CODEBOOK
    if not book.is_file() or book.read_text(encoding="utf-8") != codebook.render(root, vetted):
        stale.append(codebook.CODEBOOK)
    for name, text in charts.render_all(root, vetted).items():
        figure = root / charts.FIGURES_DIR / name
        if not figure.is_file() or figure.read_text(encoding="utf-8") != text:
            stale.append(f"{charts.FIGURES_DIR}/{name}")
    return stale


def write_zip(root: Path, vetted: Vetted, target: Path, folder: str, timestamp: dt.datetime) -> None:
    """The package's zip: the vetted bytes of its files, as bundle_members lists them."""
    write_reproducible_zip(target, {member: member_bytes(root, vetted, member) for member in bundle_members(root, vetted)},
                           folder, timestamp)


def write_reproducible_zip(target: Path, members: dict[str, bytes], folder: str, timestamp: dt.datetime) -> None:
    """A reproducible zip: same files in, same bytes out (entries sorted, one timestamp, fixed permissions)."""
    stamp = timestamp.timetuple()[:6]
    with zipfile.ZipFile(target, "w") as archive:
        for member in sorted(members):
            info = zipfile.ZipInfo(f"{folder}/{member}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permission bits below mean the same everywhere
            info.external_attr = (0o100000 | FILE_MODE) << 16
            archive.writestr(info, members[member], compresslevel=9)


def build_dist(root: Path, output_dir: Path) -> list[Path]:
    root = Path(root)
    try:
        vetted = checked_package(root)  # first: nothing of the package is read before the check's verdict
    except PackageRefused as error:
        raise DistError(str(error).replace("so it is not used", "so it is not released"))
    metadata = vetted.metadata
    version = str(metadata["version"])
    problems = versioning.problems(root)
    if problems:
        raise DistError("versioning (python -m scripts.versioning check):\n" + "\n".join(f"  {p}" for p in problems))
    stale = stale_generated_files(root, vetted)
    if stale:
        raise DistError(f"stale generated files: {', '.join(stale)}; run `make docs`")
    released = dt.datetime.fromisoformat(versioning.release_date(root, version))

    base = f"{metadata['name']}-{version}"
    output_dir.mkdir(parents=True, exist_ok=True)
    zip_path, db_path = output_dir / f"{base}.zip", output_dir / f"{base}.db"
    exports_path = output_dir / f"{base}-{EXPORTS}.zip"
    # Built beside the targets and moved into place, so a failure never leaves a half-written bundle.
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".dist-") as scratch:
        scratch = Path(scratch)
        write_zip(root, vetted, scratch / zip_path.name, base, released)
        build_database(root, scratch / db_path.name, vetted)
        exports = {name: text.encode("utf-8") for name, text in render_exports(scratch / db_path.name, root).items()}
        write_reproducible_zip(scratch / exports_path.name, exports, f"{base}-{EXPORTS}", released)
        written = (db_path, exports_path, zip_path)
        sums = "".join(f"{sha256_of_file(scratch / p.name)}  {p.name}\n" for p in written)
        (scratch / CHECKSUMS).write_text(sums, encoding="utf-8")
        for name in (*(p.name for p in written), CHECKSUMS):
            os.replace(scratch / name, output_dir / name)
    return [zip_path, db_path, exports_path, output_dir / CHECKSUMS]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--output-dir", help=f"where to write the bundle (default: ROOT/{DIST_DIR})")
    args = parser.parse_args(argv)
    root = Path(args.root)
    output_dir = Path(args.output_dir) if args.output_dir else root / DIST_DIR
    try:
        written = build_dist(root, output_dir)
    except (DistError, BuildRefused, versioning.VersioningError, citation.CitationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (*INPUT_ERRORS, sqlite3.Error) as error:
        print(f"error: cannot write the bundle: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
