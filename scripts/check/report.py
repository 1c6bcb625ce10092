"""The check's report: one Problem per finding (a stable code, its layer, where it is, a message for people),
gathered in a bounded Report, rendered as text (`path:line: [table.field] code: message`) or JSON."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

LAYERS = {
    "a": "descriptor",
    "b": "frictionless",
    "c": "rows (JSON Schema)",
    "d": "provenance",
    "e": "rules across tables",
    "f": "CSV hygiene",
}
MAX_LISTED_PER_FILE = 200  # problems listed per layer and file (all are counted): a hostile file stays a short report
MAX_MESSAGE_CHARS = 400  # a message quoting a 1 MB cell is cut in its middle
# Control characters are never data here (a line break inside a quoted cell aside); in output they are shown
# escaped, so that a hostile file cannot drive the terminal nor break the one-line-per-problem format.
# Bidirectional overrides and isolates reorder what a reader sees ('Trojan Source'); U+2028/9 and U+FEFF hide;
# a lone surrogate (from a JSON '\ud800') is no character and cannot be written as UTF-8 at all.
INVISIBLE = "\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff"
SURROGATES = "\ud800-\udfff"
OUTPUT_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{INVISIBLE}{SURROGATES}]")


def printable(text) -> str:
    """Text with control characters and lone surrogates escaped (shown, never sent raw)."""
    return OUTPUT_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}" if ord(match.group()) > 0xff
                               else f"\\x{ord(match.group()):02x}", str(text))


def writable(text):
    """A string that UTF-8 can encode: lone surrogates escaped; other values as they are."""
    return re.sub(f"[{SURROGATES}]", lambda m: f"\\u{ord(m.group()):04x}", text) if isinstance(text, str) else text


def clipped(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    keep = MAX_MESSAGE_CHARS // 2
    return f"{message[:keep]} …[{len(message) - 2 * keep} characters cut]… {message[-keep:]}"


@dataclass
class Problem:
    code: str  # stable, listed in scripts/check/codes.py and docs/problem-codes.md
    layer: str
    path: str
    line: int | None
    table: str | None
    field: str | None
    message: str

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"[{self.table}.{self.field}] " if self.table and self.field else (f"[{self.table}] " if self.table else "")
        return printable(f"{where}: {what}{self.code}: {self.message}")


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    evidence_spans: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # layer -> seconds, printed by --timings only
    omitted: dict[tuple[str, str], int] = field(default_factory=dict)  # (layer, path) -> counted but not listed
    listed: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def add(self, layer: str, code: str, path, line, table, field_name, message) -> None:
        key = (layer, path)
        if self.listed.get(key, 0) >= MAX_LISTED_PER_FILE:
            self.omitted[key] = self.omitted.get(key, 0) + 1
            return
        self.listed[key] = self.listed.get(key, 0) + 1
        self.problems.append(Problem(code, layer, writable(path), line, writable(table), writable(field_name),
                                     writable(clipped(str(message)))))

    def adder(self, layer: str):
        """report.add for one layer: add(code, path, line, table, field, message)."""
        return lambda *problem: self.add(layer, *problem)

    def count(self, layer: str | None = None) -> int:
        """Problems found (listed or not), in one layer or in all."""
        return sum(n for (each, _), n in self.listed.items() if layer in (None, each)) + \
            sum(n for (each, _), n in self.omitted.items() if layer in (None, each))

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    @property
    def valid(self) -> bool:
        return not self.problems and not self.omitted


def render_text(report: Report) -> str:
    lines = []
    for layer, title in LAYERS.items():
        problems = [p for p in report.problems if p.layer == layer]
        count = report.count(layer)
        status = report.skipped.get(layer) or f"{count} problem{'s' if count != 1 else ''}"
        lines.append(f"({layer}) {title}: {status}")
        lines.extend(f"  {p.render()}" for p in problems)
        lines.extend(printable(f"  {path}: … and {omitted} more problems in this file, not listed")
                     for (each, path), omitted in report.omitted.items() if each == layer)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report: Report) -> str:
    verdict = "valid" if report.valid else "INVALID"
    count = report.count()
    return (f"{verdict}: {report.tables} tables, {report.rows} rows, {report.evidence_spans} evidence spans verified, "
            f"{count} problem{'s' if count != 1 else ''}")


def render_json(report: Report) -> str:
    return json.dumps({
        "valid": report.valid,
        "layers": [{"layer": layer, "name": title, "skipped": report.skipped.get(layer),
                    "problems": [asdict(p) for p in report.problems if p.layer == layer],
                    "not_listed": {path: n for (each, path), n in report.omitted.items() if each == layer}}
                   for layer, title in LAYERS.items()],
        "summary": {"tables": report.tables, "rows": report.rows, "evidence_spans": report.evidence_spans,
                    "problems": report.count()},
    }, indent=2, ensure_ascii=False) + "\n"


def render_unusable(code: str, path, message: str, as_json: bool) -> str:
    """The one line for input that cannot be checked at all (exit 2): `check: path: code: message`."""
    if as_json:
        return json.dumps({"valid": False, "code": code, "path": writable(str(path)), "unusable": writable(message)}) + "\n"
    return printable(f"check: {path}: {code}: {message}") + "\n"
