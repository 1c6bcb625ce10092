"""Reading every table once, streaming, and layer (f), CSV hygiene: UTF-8 without BOM, '\\n' line ends, a final
newline, the exact header, no blank rows, rows with the header's number of cells, well-formed quoting, no padded,
formula-like or control characters in cells, rows sorted by primary key. Lines are read up to MAX_LINE_BYTES
each, so a file of any size or shape is read in bounded memory."""
from __future__ import annotations

import csv
import hashlib
import re

from scripts.check.inputs import MAX_LINE_BYTES, Row, Table, _repeated, open_regular
from scripts.check.report import INVISIBLE, Report

LAYER = "f"
# A cell starting with one of these is run as a formula by spreadsheets (some also read the full-width forms).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # '-5' is a number to a spreadsheet, not a formula
CELL_CONTROLS = re.compile(f"[\\x00-\\x09\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{INVISIBLE}]")
MAX_CELL_CHARS = 2_000_000  # a bound for csv's field size, so a huge cell is a message, not a crash
# Memory for the rows that layers b-e hold, as estimated by table_bytes: twice what 1,000 curated articles take
# (212,000 rows). A table past it (50 MB of tiny rows, say) is still read whole for hygiene, and says so.
MAX_KEPT_BYTES = 600_000_000
LONE_CARRIAGE_RETURN = re.compile(r"(?<=\r)(?!\n)")


class _StopReading(Exception):
    """The file cannot be read as text any further (its problem is already reported)."""


def _text_lines(table: Table, add, seen: dict, digest):
    """The file's lines, decoded one at a time so that any size is read in bounded memory, with the encoding
    and line-end problems of layer f reported as they are met. A lone '\\r' ends a line, as for csv and editors."""
    path, name = table.path, table.name
    number, offset = 0, 0
    with open_regular(table.file) as handle:
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            digest.update(raw)
            if len(raw) > MAX_LINE_BYTES:
                add("line-too-long", path, number + 1, name, None,
                    f"line is longer than {MAX_LINE_BYTES:,} bytes: the rest of the file is not read")
                raise _StopReading
            if number == 0 and offset == 0 and raw.startswith(b"\xef\xbb\xbf"):
                add("byte-order-mark", path, 1, name, None, "file starts with a byte-order mark (BOM): save as UTF-8 without BOM")
                raw, offset = raw[3:], 3
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                add("invalid-utf8", path, number + 1, name, None, f"invalid UTF-8 at byte {offset + error.start}: the file must be UTF-8")
                raise _StopReading
            offset += len(raw)
            seen["final_newline"] = text.endswith("\n")
            for line in (LONE_CARRIAGE_RETURN.split(text) if "\r" in text else (text,)):
                if not line:
                    continue
                number += 1
                if "\r" in line and not seen.get("carriage_return"):
                    seen["carriage_return"] = True
                    add("carriage-return", path, number, name, None, "carriage return found: line ends must be '\\n' only")
                if CELL_CONTROLS.search(line):
                    seen.setdefault("control_lines", set()).add(number)
                if '"' in line:
                    seen.setdefault("quotes", {})[number] = line.count('"')
                yield line
    seen["lines"] = number
    table.size = offset


def _bare_quote(cells: list[str], quotes_in_text: int) -> bool:
    """Whether the record's text holds a quotation mark outside a quoted cell ('a,b"c,d'), which csv reads
    leniently: a quoted cell spends two marks on its ends and two on each mark inside it."""
    if not quotes_in_text:
        return False
    inside = sum(cell.count('"') for cell in cells)
    return inside > 0 and (quotes_in_text < 2 * inside or (quotes_in_text - 2 * inside) % 2 == 1)


def table_bytes(table: Table) -> int:
    """About the memory a table's rows take once read (a row and its dict, each cell a string), from its size
    and a fast count of its line ends; what Frictionless keeps of it grows alike."""
    lines = size = 0
    with open_regular(table.file) as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            size += len(chunk)
    return size + lines * (250 + 60 * len(table.spec.fields))


def mark_too_large(tables: dict[str, Table], budget: int | None = None) -> None:
    """Mark the tables whose rows would not fit in the budget (MAX_KEPT_BYTES), before anything reads them, so
    that layers b-e leave out the same tables."""
    budget = MAX_KEPT_BYTES if budget is None else budget
    kept = 0
    for table in tables.values():
        try:
            size = table_bytes(table)
        except OSError:
            continue  # reported when the table is read
        if kept + size > budget:
            table.too_large = True
        else:
            kept += size


def _header_detail(header: list[str], expected: list[str]) -> str:
    expected_set, header_set = set(expected), set(header)  # sets: a hostile header may have a million names
    missing = [f for f in expected if f not in header_set]
    extra = [f for f in header if f not in expected_set]
    duplicated = sorted(_repeated(header))
    return "; ".join(part for part in (
        f"missing {', '.join(missing)}" if missing else "",
        f"unexpected {', '.join(extra[:20])}{' …' if len(extra) > 20 else ''}" if extra else "",
        f"duplicated {', '.join(duplicated[:20])}" if duplicated else "",
        "order differs" if not (missing or extra or duplicated) else "") if part)


def read_table(table: Table, report: Report) -> None:
    """Read one CSV once, streaming: record hygiene problems (layer f) and keep the rows for layers c-e."""
    add = report.adder(LAYER)
    path, name = table.path, table.name
    seen: dict = {}
    digest = hashlib.sha256()
    reader = csv.reader(_text_lines(table, add, seen, digest), strict=True)  # strict: a broken quote is an error, not a guess
    expected = table.spec.field_names
    previous_line = 0
    header = None
    last_key, last_key_line = None, None
    key_fields = table.spec.primary_key
    keeping = not table.too_large  # a table past the memory budget is read for hygiene only
    limit = csv.field_size_limit(MAX_CELL_CHARS)  # restored below: Frictionless sets its own
    try:
        for position, cells in enumerate(reader, start=1):
            line = previous_line + 1
            previous_line = reader.line_num
            table.note_record(position, line)
            quotes = seen.get("quotes")
            if quotes and _bare_quote(cells, sum(quotes.pop(n, 0) for n in range(line, previous_line + 1))):
                add("bare-quote", path, line, name, None, "a quotation mark stands in a cell that is not quoted: "
                    'wrap the cell in quotation marks and double the one inside ("" for ")')
            if header is None:
                header = cells
                if header != expected:
                    add("header-mismatch", path, line, name, None,
                        f"header must be exactly the schema's fields in order ({_header_detail(header, expected)})")
                    table.readable = False
                    return
                continue
            if not cells or all(cell == "" for cell in cells):
                add("blank-row", path, line, name, None, "blank row")
                continue
            if len(cells) != len(header):
                add("cell-count", path, line, name, None, f"row has {len(cells)} cells, the header has {len(header)}")
                table.structural = table.structural or f"line {line} has {len(cells)} cells, the header {len(header)}"
                continue
            row = Row(line, dict(zip(header, cells)))
            for field_name, cell in row.cells.items():
                if cell != cell.strip():
                    add("padded-cell", path, line, name, field_name, "cell has leading or trailing whitespace")
                if cell.startswith(FORMULA_PREFIXES) and not NUMBER.fullmatch(cell):
                    add("formula-cell", path, line, name, field_name, f"cell starts with {cell[0]!r}: a spreadsheet would run it as a formula")
            control_lines = seen.get("control_lines")
            if control_lines and any(number in control_lines for number in range(line, previous_line + 1)):
                for field_name, cell in row.cells.items():
                    found = CELL_CONTROLS.search(cell)
                    if found:
                        add("control-character", path, line, name, field_name,
                            f"cell holds U+{ord(found.group()):04X}, a control or invisible formatting character: "
                            "cells are plain text")
            key = tuple(row.cells[k] for k in key_fields)
            if last_key is not None and key < last_key:
                add("unsorted-rows", path, line, name, ",".join(key_fields),
                    f"rows are not sorted by primary key: {'/'.join(key)} comes after {'/'.join(last_key)} (line {last_key_line})")
            last_key, last_key_line = key, line
            table.rows_read += 1
            if keeping:
                table.rows.append(row)
    except csv.Error as error:
        reason = {"unexpected end of data": "a quoted cell that starts on this line is never closed"}.get(str(error), str(error))
        add("malformed-csv", path, previous_line + 1, name, None, f"malformed CSV: {reason}")
        table.readable = False
        return
    except _StopReading:
        table.readable = False
        table.rows.clear()
        return
    finally:
        csv.field_size_limit(limit)
    table.sha256 = digest.hexdigest()
    if table.too_large:
        add("table-too-large", path, 1, name, None, f"the table's {seen.get('lines', 0):,} lines would take more than the "
            f"{MAX_KEPT_BYTES // 10**6} MB of memory the check gives the package's rows: it is read for hygiene only")
        table.readable = False
    if header is None:
        add("empty-file", path, 1, name, None, "file is empty: it needs at least the header line")
        table.readable = False
    elif not seen.get("final_newline", True):
        add("no-final-newline", path, seen["lines"], name, None, "no final newline at the end of the file")


def read_tables(tables: dict[str, Table], report: Report) -> None:
    add = report.adder(LAYER)
    for table in tables.values():
        try:
            read_table(table, report)
        except OSError as error:
            add("unreadable-file", table.path, None, table.name, None, f"cannot be read ({error.strerror or error})")
            table.readable = False
        report.rows += table.rows_read
