"""CSV conventions of the package, in one place: UTF-8 without BOM, '\\n' line ends, a final newline,
minimal quoting. Writers only touch a file whose content changes."""
from __future__ import annotations

import csv
import io
from pathlib import Path


def render_csv(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in header})
    return buffer.getvalue()


def write_if_changed(path: Path, text: str) -> bool:
    """Write text to path unless it already holds exactly that; True when the file was written."""
    path = Path(path)
    if path.exists() and path.read_bytes() == text.encode("utf-8"):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return True


def read_rows(path: Path | str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
