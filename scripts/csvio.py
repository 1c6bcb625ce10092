"""CSV conventions of the package, in one place: UTF-8 without BOM, '\\n' line ends, a final newline, every field
quoted (QUOTE_ALL; datapackage.json declares it as each resource's dialect). Quoting every field is what makes
sniffing readers right: csvkit and the npm Data Package readers guess a space delimiter and a ' quote for a table
whose unquoted notes hold apostrophes (docs/clients.md has the evidence). Writers only touch a file whose content
changes."""
from __future__ import annotations

import csv
import io
from pathlib import Path

QUOTING = csv.QUOTE_ALL


def render_records(records) -> str:
    """Lists of cells (the header first) as the package's CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=QUOTING)
    writer.writerows(records)
    return buffer.getvalue()


def render_csv(header: list[str], rows: list[dict]) -> str:
    unknown = {k for row in rows for k in row} - set(header)
    if unknown:
        raise ValueError(f"dict contains fields not in fieldnames: {', '.join(map(repr, sorted(unknown)))}")
    return render_records([header, *([("" if row.get(k) is None else row[k]) for k in header] for row in rows)])


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
