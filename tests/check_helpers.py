"""Helpers for the tests of the check (tests/test_check.py, test_fault_corpus.py, test_hostile_input.py): run it
in-process, split its report into layers, edit raw bytes of a copy, and block every network connection."""
from __future__ import annotations

import json
from pathlib import Path

import frictionless  # noqa: F401 (imported once here: the check's forked Frictionless child inherits it, not re-imports it)

from tests.conftest import read_csv, write_csv


def check_in_process(package_dir: Path, capsys, *args: str, descriptor: str = "datapackage.json") -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `python -m scripts.check`, run in this process (fast)."""
    from scripts.check import main

    code = main([str(package_dir / descriptor), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def located(problem: dict) -> str:
    """A problem of the JSON report as `path:line: [table.field] code` (what the tests assert: where and what
    kind, not the wording)."""
    where = f"{problem['path']}:{problem['line']}" if problem["line"] else problem["path"]
    what = f"[{problem['table']}.{problem['field']}] " if problem["table"] and problem["field"] else \
        (f"[{problem['table']}] " if problem["table"] else "")
    return f"{where}: {what}{problem['code']}"


def located_by_layer(json_output: str) -> dict[str, list[str]]:
    """The check's JSON report as {layer: [`path:line: [table.field] code`, ...]}."""
    return {layer["layer"]: [located(p) for p in layer["problems"]] for layer in json.loads(json_output)["layers"]}


def check_located(package_dir: Path, capsys, descriptor: str = "datapackage.json") -> tuple[int, dict[str, list[str]], str]:
    """Exit status, the located problems by layer (JSON run) and stderr, in-process."""
    code, out, err = check_in_process(package_dir, capsys, "--format", "json", descriptor=descriptor)
    return code, (located_by_layer(out) if code in (0, 1) else {}), err + (out if code == 2 else "")


def problems_by_layer(text_output: str) -> dict[str, list[str]]:
    """The check's text output split into its layers' problem lines."""
    layers, current = {}, None
    for line in text_output.splitlines():
        if line.startswith("(") and ") " in line:
            current = line[1]
            layers[current] = []
        elif line.startswith("  ") and current:
            layers[current].append(line.strip())
    return layers


def edit_text(package: Path, relative: str, old: str, new: str, count: int = 1) -> None:
    path = package / relative
    text = path.read_bytes().decode("utf-8")
    assert old in text, f"{old!r} not in {relative}: the corpus needs updating to the data"
    path.write_bytes(text.replace(old, new, count).encode("utf-8"))


def append_row(package: Path, table: str, changes: dict) -> int:
    """Append a copy of the table's last row with changes; returns the line the new row starts on."""
    path = package / "data" / f"{table}.csv"
    first_new_line = path.read_bytes().count(b"\n") + 1  # the file ends with a newline
    header, rows = read_csv(path)
    rows.append({**rows[-1], **changes})
    write_csv(path, header, rows)
    return first_new_line


def cell_of(package: Path, table: str, key_column: str, key: str, column: str) -> str:
    _, rows = read_csv(package / "data" / f"{table}.csv")
    return next(row[column] for row in rows if row[key_column] == key)


def attempts(record: Path) -> str:
    return record.read_text(encoding="utf-8") if record.exists() else ""


def line_of_key(path: Path, key: dict[str, str], occurrence: int = 1) -> int:
    """The physical line on which the row holding these cells starts (its occurrence-th such row)."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        previous_end, seen = reader.line_num, 0
        for cells in reader:
            row = dict(zip(header, cells))
            if all(row.get(column) == value for column, value in key.items()):
                seen += 1
                if seen == occurrence:
                    return previous_end + 1
            previous_end = reader.line_num
    raise AssertionError(f"no row {key} (occurrence {occurrence}) in {path}")


# ---------------------------------------------------------------- for fixtures shared by several tests (capsys is per test)

def check_captured(package_dir: Path, *args: str) -> tuple[int, str, str]:
    """check_in_process without capsys: exit status, stdout and stderr, captured by redirection."""
    import contextlib
    import io

    from scripts.check import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(package_dir / "datapackage.json"), *args])
    return code, out.getvalue(), err.getvalue()


def nothing_known(monkeypatch) -> None:
    """The check as a new process runs it: no verdict kept from earlier checks in this one (scripts/check/memo.py)."""
    from scripts.check import frictionless as layer_b
    from scripts.check import rows as layer_c
    from scripts.check.memo import Memo

    monkeypatch.setattr(layer_b, "FINDINGS", Memo())
    monkeypatch.setattr(layer_c, "ROW_PROBLEMS", Memo())
