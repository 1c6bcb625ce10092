"""The check's order of work, written down once.

  (a) descriptor    read datapackage.json, its JSON Schemas and schemas/package.yaml; vet every path
  (f) hygiene       read every table once, streaming, within the memory budget
  (b) frictionless  forked beside c-e, on the tables (f) read whole and well (skipped when (a) found problems)
  (c) rows          (d) provenance    (e) rules across tables
  then wait for (b), within its bound.

Which layer owns which problem, so that each is reported once (the other layers step over it):
"""
from __future__ import annotations

import hashlib
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scripts.check import frictionless as layer_b
from scripts.check import rules
from scripts.check.descriptor import check_descriptor
from scripts.check.hygiene import mark_too_large, read_tables
from scripts.check.inputs import Table, Unusable, load_descriptor, read_capped, safe_path
from scripts.check.provenance import Seed, check_provenance
from scripts.check.report import Report
from scripts.check.rows import check_rows
from scripts.schemas import PackageSpec, TableSpec

OWNERSHIP = {
    "a table's header, structure, encoding and line ends": "f: the table is then left out of b-e",
    "a row whose number of cells differs from the header's": "f: its table is not handed to Frictionless (b)",
    "a cell that is not of its field's type (an offset '12a')": "c (and b, Frictionless's own type check); d and e skip the row",
    "a cell against its field's pattern": "c, under RE2; b is handed the schema without patterns",
    "a key that is repeated or dangling (sources, sentences, any foreign key)": "b; d and e skip the row",
    "a span outside its seed, a seed's bytes and header": "d",
    "everything about datapackage.json, the JSON Schemas and package.yaml": "a: when a finds anything, b is skipped",
}
__doc__ += "\n".join(f"  - {what}: {owner}" for what, owner in OWNERSHIP.items())

# The overall bound of one check run from the command line (python -m scripts.check, and the build's): past it the
# check stops with exit status 2, whatever the input. SECURITY.md states it; tests/test_hostile_input.py measures.
WATCHDOG_SECONDS = 60
WATCHDOG_MEMORY_BYTES = 1024 ** 3  # peak resident memory the hostile-input tests hold the check to (each process)
ADDRESS_SPACE_BYTES = 2 * 1024 ** 3  # a hard stop for the check's process (python -m scripts.check): MemoryError past it


def limit_memory(limit: int = ADDRESS_SPACE_BYTES) -> None:
    """Cap this process's address space (soft limit only: the Frictionless child sets its own)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (min(limit, hard) if hard != resource.RLIM_INFINITY else limit, hard))


class CheckTimeout(Exception):
    pass


@contextmanager
def watchdog(seconds: int = WATCHDOG_SECONDS):
    """Raise CheckTimeout in the main thread after `seconds` (SIGALRM; a no-op where there is none)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(*_):
        raise CheckTimeout(f"the check did not finish within its {seconds} s bound")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class VettedTable:
    spec: TableSpec
    path: str
    schema_path: str
    rows: list[dict]  # each row's cells, as strings, exactly as the check read them
    sha256: str
    size: int


class VettedFileChanged(Exception):
    """A file of the package changed after the check read it."""


@dataclass
class Vetted:
    """What the check read, and its verdict: consumers (the build, the metadata, the codebook, the figures, the
    release) use these rows, texts and schemas, and read no file of the package themselves."""
    root: Path
    report: Report
    descriptor: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    common_schema: dict = field(default_factory=dict)
    tables: dict[str, VettedTable] = field(default_factory=dict)
    seeds: dict[str, Seed] = field(default_factory=dict)  # source_id -> path, text, sha256
    files: dict[str, str] = field(default_factory=dict)  # package-relative path -> sha256 of what was read

    @property
    def valid(self) -> bool:
        return self.report.valid

    @property
    def spec(self) -> PackageSpec:
        return PackageSpec(self.root, self.metadata, [t.spec for t in self.tables.values()], self.common_schema)

    def rows(self, table: str) -> list[dict]:
        return self.tables[table].rows

    def read_bytes(self, relative: str) -> bytes:
        """A file the check read, read again through its safe-path rules and proved the same by its sha256."""
        expected = self.files.get(relative)
        if expected is None:
            raise VettedFileChanged(f"{relative} is not a file the check read")
        file, refusal = safe_path(self.root, relative, "file")
        if refusal:
            raise VettedFileChanged(refusal.message)
        data = read_capped(file, 1 << 31)
        if hashlib.sha256(data).hexdigest() != expected:
            raise VettedFileChanged(f"{relative} changed after the check read it")
        return data


def vet(descriptor_file: Path | str) -> Vetted:
    """Check the package of this descriptor; return the report with everything it read. Unusable when the
    descriptor cannot be used at all."""
    descriptor_file = Path(descriptor_file)
    report = Report()
    clock = time.perf_counter()

    def lap(layer: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.timings[layer] = report.timings.get(layer, 0.0) + now - clock
        clock = now

    duplicated_keys: list[str] = []
    descriptor, raw = load_descriptor(descriptor_file, duplicated_keys)
    root = descriptor_file.resolve().parent
    descriptor_path = descriptor_file.name
    vetting = check_descriptor(root, descriptor_path, descriptor, report, duplicated_keys, raw.decode("utf-8-sig"))
    vetting.files[descriptor_path] = hashlib.sha256(raw).hexdigest()
    tables = vetting.tables
    report.tables = len(descriptor.get("resources") or [])
    descriptor_ok = not any(p.layer == "a" for p in report.problems)
    lap("a")
    mark_too_large(tables)
    read_tables(tables, report)
    lap("f")
    frictionless = None
    if descriptor_ok:
        handed = layer_b.frictionless_descriptor(descriptor, tables)
        asked = layer_b.plan(handed, tables)
        if asked.needs_frictionless and asked.worth_a_child:
            frictionless = layer_b.start_frictionless(root, handed, asked.tables_to_validate, asked.package_valid)
    try:
        check_rows(tables, report)
        lap("c")
        seeds = check_provenance(root, tables, report)
        lap("d")
        context = rules.Context({name: [r.cells for r in t.rows] for name, t in tables.items() if t.readable},
                                {name: [r.line for r in t.rows] for name, t in tables.items() if t.readable},
                                {name: t.path for name, t in tables.items()},
                                {source_id: seed.text for source_id, seed in seeds.items()},
                                {name: t.spec.foreign_keys for name, t in tables.items()},
                                _unavailable_tables(descriptor, tables),
                                {name: t.spec.primary_key for name, t in tables.items()})
        add_rule_problem = report.adder("e")
        for problem in rules.run_all(context):
            add_rule_problem(*problem)
        lap("e")
        if descriptor_ok:
            layer_b.report_left_out(tables, report)
            try:
                if frictionless is not None:
                    findings, report.timings["b"] = layer_b.finish_frictionless(frictionless)
                    frictionless = None
                    lap("waiting for b")
                elif asked.needs_frictionless:
                    try:
                        findings, _ = layer_b.frictionless_findings(str(root), handed, asked.tables_to_validate,
                                                                    asked.package_valid)
                    except CheckTimeout:
                        raise
                    except Exception as error:  # as the child says it: the same verdict in this process or beside it
                        raise RuntimeError(f"{type(error).__name__}: {error}") from error
                    lap("b")
                else:  # every table's verdict is known in this process
                    findings = []
                    lap("b")
                findings = layer_b.complete(asked, findings)
                layer_b.report_findings(findings, tables, report, descriptor_path)
            except RuntimeError as error:
                report.add("b", "frictionless-failed", descriptor_path, None, None, None, str(error))
        else:
            report.skipped["b"] = "skipped: the descriptor has problems (layer a)"
    finally:
        layer_b.stop_frictionless(frictionless)  # an interrupted check (the watchdog, ^C) leaves no child behind
    for name, table in tables.items():
        vetting.files[table.path] = table.sha256
    for seed in seeds.values():
        vetting.files[seed.path] = seed.sha256
    vetted_tables = {name: VettedTable(t.spec, t.path, t.schema_path, [r.cells for r in t.rows], t.sha256, t.size)
                     for name, t in tables.items() if t.readable}
    return Vetted(root, report, descriptor, vetting.metadata, vetting.common_schema, vetted_tables, seeds, vetting.files)


def vet_package(root: Path | str) -> Vetted:
    """vet() of the package in directory root (its datapackage.json)."""
    return vet(Path(root) / "datapackage.json")


class PackageRefused(ValueError):
    """The package cannot be used by a consumer: the check rejects it, or cannot check it (a message for people).
    A ValueError, so that the generators' input errors (scripts/generated.py) include it."""


_MEMO: dict[Path, tuple[tuple, Vetted]] = {}


def _signature(root: Path, files) -> tuple:
    """What the files of a vetted package look like on disk now (a change of any of them is a new check)."""
    import os

    found = []
    for relative in sorted(files):
        try:
            status = os.stat(root / relative)
        except OSError:
            return ()
        found.append((relative, status.st_ino, status.st_size, status.st_mtime_ns))
    return tuple(found)


def checked_package(root: Path | str = ".") -> Vetted:
    """The vetted package at root, or PackageRefused with the check's report. For the build, the Datasette
    metadata, the codebook, the figures, the citation and the release: what they publish is what was checked.
    The verdict is kept for the process while no file it read has changed (one check for `make docs`'s three)."""
    root = Path(root).resolve()
    kept = _MEMO.get(root)
    if kept and kept[0] and kept[0] == _signature(root, kept[1].files):
        return kept[1]
    try:
        vetted = vet_package(root)
    except Unusable as error:
        raise PackageRefused(f"the package cannot be checked: {error} [{error.code}]")
    if not vetted.valid:
        from scripts.check.report import render_text

        raise PackageRefused("`make check` rejects the package, so it is not used:\n" + render_text(vetted.report).rstrip())
    _MEMO[root] = (_signature(root, vetted.files), vetted)
    return vetted


def run_check(descriptor_file: Path | str) -> Report:
    return vet(descriptor_file).report


def _unavailable_tables(descriptor: dict, tables: dict[str, Table]) -> frozenset[str]:
    """Tables the package declares that layers c-e cannot see (refused by layer a, or unreadable): rules that
    count rows of other tables must not read their absence as 'no rows'."""
    declared = {r.get("name") for r in descriptor.get("resources") or [] if isinstance(r, dict)}
    return frozenset(name if isinstance(name, str) else "?" for name in declared
                     if name not in tables or not tables[name].readable)


__all__ = ["CheckTimeout", "PackageRefused", "checked_package", "Unusable", "Vetted", "VettedFileChanged", "VettedTable", "run_check", "vet", "vet_package", "watchdog"]
