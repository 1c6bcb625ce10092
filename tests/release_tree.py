"""A temp copy of the package with what a release adds around it: README, citation, changelog, release ids, docs."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import PACKAGE_PARTS, ROOT

RELEASE_PARTS = ("README.md", "CITATION.cff", "CHANGELOG.md", "releases", "docs")


def copy_release_tree(target: Path) -> Path:
    wanted = set(PACKAGE_PARTS) | set(RELEASE_PARTS)
    shutil.copytree(ROOT, target, ignore=lambda folder, names: [
        name for name in names if Path(folder) == ROOT and name not in wanted])
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
