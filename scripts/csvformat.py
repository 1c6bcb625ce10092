"""Rewrite the package's CSV files in their one form (scripts/csvio.py: every field quoted, '\\n' line ends, UTF-8
without BOM), cell for cell and row for row: only the bytes between the cells change.

    python -m scripts.csvformat            # rewrite each table of package.yaml whose file is not in that form
    python -m scripts.csvformat --check    # exit 1 and name each file that is not in that form

Run it after editing a CSV by hand or merging rows written by another tool; the tests fail while a table is not in
that form. A file that is not well-formed CSV (an unclosed quote, a row of another length than the header) is left
as it is, with a message (exit 2): that is the check's to report, with its line.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from scripts.csvio import render_records, write_if_changed
from scripts.schemas import load_spec


class NotWellFormed(Exception):
    """The file cannot be rewritten without guessing (a message for people)."""


def canonical_text(path: Path) -> str:
    """The file's records in the package's CSV form."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    try:
        records = list(csv.reader(text.splitlines(keepends=True), strict=True))
    except csv.Error as error:
        raise NotWellFormed(f"{path}: not well-formed CSV ({error}); fix it, then run this again") from None
    widths = {len(record) for record in records}
    if len(widths) > 1:
        raise NotWellFormed(f"{path}: rows of {sorted(widths)} cells; every row needs the header's count")
    return render_records(records)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--check", action="store_true", help="report files not in the package's CSV form")
    args = parser.parse_args(argv)
    root = Path(args.root)
    status = 0
    for table in load_spec(root).tables:
        path = root / table.data_path
        try:
            text = canonical_text(path)
        except (OSError, UnicodeDecodeError, NotWellFormed) as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2
            continue
        if args.check:
            if path.read_bytes() != text.encode("utf-8"):
                print(f"{table.data_path}: not in the package's CSV form; run `python -m scripts.csvformat`",
                      file=sys.stderr)
                status = status or 1
        elif write_if_changed(path, text):
            print(f"wrote {table.data_path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
