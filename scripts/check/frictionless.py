"""Layer (b): the official Frictionless validation of the package (types, constraints, keys, foreign keys), run
beside layers c-e in a forked child process where there are two cores and enough to read (CHILD_FROM_BYTES),
in this process otherwise. Frictionless is handed a descriptor rebuilt
from what layer (a) vetted: only tables that layer (f) read whole and well (right header, every row with the
header's number of cells), each a local CSV with an explicit dialect (Frictionless 5.21 would otherwise run
csv.Sniffer, which takes minutes on some valid cells) and the Table Schema derived from schemas/ without its
patterns (layer c runs them under RE2). Its findings come back as Finding objects, never parsed from text. The
child runs under a time and a memory bound: past them it is stopped and the package is not valid.

Frictionless's verdict on one table is a pure function of what it reads: the handed descriptor of that table and
the bytes of its CSV; of every table its foreign keys look up, the descriptor and the referenced fields' cells;
the package's own keys. A process keeps those verdicts (FINDINGS, a Memo keyed by the sha256 of exactly these, as
layer f read them), so that a second check in the same process re-validates only the tables whose inputs
changed: `make docs` runs three generators, the tests check hundreds of copies that differ in one cell. A
package-level problem stops Frictionless before any table (as Package.validate does), and so it does here."""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import time
from dataclasses import dataclass

from scripts.check.descriptor import CSV_DIALECT
from scripts.check.inputs import Table, sha256_of_file
from scripts.check.memo import Memo, digest
from scripts.check.report import Report
from scripts.package import PACKAGE_KEYS
from scripts.schemas import table_schema

LAYER = "b"
RESOURCE_METADATA = ("title", "description", "licenses", "sources", "bytes", "hash")
CHILD_SECONDS = 45  # the child's share of the check's overall bound (runner.WATCHDOG_SECONDS)
CHILD_MEMORY_BYTES = 3 * 1024 ** 3  # address space of the child (Python with Frictionless maps ~1 GiB it never touches)
CHILD_FROM_BYTES = 1024 ** 2  # less CSV than this to validate: in this process (Plan.worth_a_child)


@dataclass
class Finding:
    """One error of Frictionless's report, as plain data (it crosses the process boundary)."""
    type: str  # Frictionless's error type: the problem's code
    message: str
    table: str | None = None  # None: about the package itself
    place: str | None = None
    field_name: str | None = None
    row_number: int | None = None
    reference: str | None = None  # the lookup table of a foreign-key error
    origin: str | None = None  # the table whose validation found it (None: the package's own validation)


def frictionless_descriptor(descriptor: dict, tables: dict[str, Table]) -> dict:
    """What Frictionless is given: the package's metadata and the tables it may read, each a local CSV at its
    vetted path with its dialect and derived Table Schema; no profile URL, nothing remote."""
    by_name = {r["name"]: r for r in descriptor["resources"] if isinstance(r, dict) and isinstance(r.get("name"), str)}
    handed = handed_tables(tables)
    resources = []
    for table in handed.values():
        schema = table_schema(table.spec)
        for field in schema["fields"]:  # patterns are layer c's, run by RE2
            field.get("constraints", {}).pop("pattern", None)
            if field.get("constraints") == {}:
                del field["constraints"]
        if "foreignKeys" in schema:  # keys into a table left out cannot be looked up (layer f says why)
            schema["foreignKeys"] = [fk for fk in schema["foreignKeys"] if fk["reference"].get("resource", "") in ("", *handed)]
            if not schema["foreignKeys"]:
                del schema["foreignKeys"]
        original = by_name[table.name]
        resources.append({"name": table.name, "path": table.path, "profile": "tabular-data-resource", "format": "csv",
                          "encoding": "utf-8", "dialect": {k: v for k, v in CSV_DIALECT.items() if k != "caseSensitiveHeader"},
                          "schema": schema, **{key: original[key] for key in RESOURCE_METADATA if key in original}})
    return {**{key: descriptor[key] for key in ("id", *PACKAGE_KEYS) if key in descriptor},
            "profile": "tabular-data-package", "resources": resources}


def handed_tables(tables: dict[str, Table]) -> dict[str, Table]:
    """The tables Frictionless reads: those layer (f) read whole, with no structural problem."""
    return {name: table for name, table in tables.items() if table.readable and not table.too_large and not table.structural}


class _FixedSniffer:
    """Stands in for csv.Sniffer in Frictionless's CSV parser: the dialect is known, nothing is guessed."""

    def sniff(self, sample, delimiters=None):
        import csv

        class Dialect(csv.excel):
            lineterminator = "\n"
        return Dialect


@contextlib.contextmanager
def _no_sniffing():
    from frictionless.formats.csv import parser

    real = parser.csv
    parser.csv = type("csv", (), {"Sniffer": _FixedSniffer, "reader": real.reader, "excel": real.excel, "Error": real.Error})
    try:
        yield
    finally:
        parser.csv = real


def frictionless_findings(root: str, descriptor: dict, tables=None, package_valid: bool = False) -> tuple[list[Finding], float]:
    """Frictionless's validation of the package as Findings, and its seconds: the package's metadata, then each
    table named in `tables` (None: every table), as Package.validate does (stopping at a package-level problem).
    package_valid: this descriptor's metadata is known valid, so only those tables and the tables their foreign
    keys look up are given to Frictionless (building a Package validates the metadata of every table in it)."""
    started = time.perf_counter()
    from frictionless import FrictionlessException, Package  # the slowest import, needed by this layer only

    with _no_sniffing():
        try:
            package = Package(_with_tables(descriptor, tables) if package_valid else descriptor, basepath=root)
        except FrictionlessException as exception:  # a descriptor it refuses outright (a bad name, say) is a finding
            return _refused(exception), time.perf_counter() - started
        try:
            if not package_valid:
                package.to_descriptor(validate=True)
        except FrictionlessException as exception:
            return [Finding(error.type, error.note or error.message) for error in exception.to_errors()], \
                time.perf_counter() - started
        findings, later = [], []
        for table in package.resources:
            if tables is not None and table.name not in tables:
                continue
            try:
                result = table.validate()
            except FrictionlessException as exception:  # the table's own verdict, not the package's
                later += _refused(exception, origin=table.name)
                continue
            findings += [Finding(error.type, error.note or error.message, task.name, str(task.place),
                                 _field_of(error), getattr(error, "row_number", None),
                                 getattr(error, "reference_name", None), table.name)
                         for task in result.tasks for error in task.errors]
            later += [Finding(error.type, error.note or error.message, origin=table.name) for error in result.errors]
    return findings + later, time.perf_counter() - started


def _refused(exception, origin: str | None = None) -> list[Finding]:
    error = exception.error
    notes = [f"{error.note}: {reason.note}" for reason in exception.reasons or []] or [error.note]
    return [Finding(error.type, note or error.message, origin=origin) for note in notes]


def _with_tables(descriptor: dict, tables) -> dict:
    """The descriptor with only these tables and those their foreign keys look up."""
    if tables is None:
        return descriptor
    resources = {resource["name"]: resource for resource in descriptor["resources"]}
    kept = set(tables) | {fk["reference"].get("resource") or name for name in tables
                          for fk in resources[name]["schema"].get("foreignKeys", [])}
    return {**descriptor, "resources": [resource for name, resource in resources.items() if name in kept]}


# ---------------------------------------------------------------- what this process already knows

FINDINGS = Memo()  # key (see plan) -> the findings of that validation


@dataclass
class Plan:
    """What layer b must ask Frictionless this time, and what this process already knows."""
    package_key: str
    table_keys: dict[str, str]  # handed table -> key of its inputs
    known: dict[str, list[Finding]]  # handed table -> findings kept from an earlier validation of the same inputs
    package_known: list[Finding] | None  # the package's own findings, when kept
    tables: dict[str, Table]  # the handed tables, as layer f read them

    @property
    def tables_to_validate(self) -> list[str]:
        if self.package_known:  # a package-level problem: Frictionless validates no table
            return []
        return [name for name in self.table_keys if name not in self.known]

    @property
    def package_valid(self) -> bool:
        """The package's own validation is known, and found nothing."""
        return self.package_known == []

    @property
    def needs_frictionless(self) -> bool:
        return self.package_known is None or bool(self.tables_to_validate)

    @property
    def worth_a_child(self) -> bool:
        """Whether Frictionless has enough to read to run beside layers c-e in a forked child: a fork of a large
        process costs 0.1-0.3 s of CPU in copy-on-write faults, more than Frictionless takes on a few hundred kB."""
        return sum(self.tables[name].size for name in self.tables_to_validate) >= CHILD_FROM_BYTES


def plan(handed: dict, tables: dict[str, Table]) -> Plan:
    """Key every handed table by what Frictionless reads to validate it: its descriptor and bytes; of every table
    its foreign keys look up, the descriptor and the referenced fields' cells row by row (a lookup reads nothing
    else of it: the header is the schema's, layer f refused the table otherwise); the package's own keys, which set
    the Data Package version its metadata is validated under."""
    package_keys = {key: value for key, value in handed.items() if key != "resources"}
    by_name = {table["name"]: table for table in handed["resources"]}
    lookups: dict[tuple, str] = {}
    table_keys = {}
    for name, table in by_name.items():
        looked_up = []
        for fk in table["schema"].get("foreignKeys", []):
            other, fields = fk["reference"].get("resource") or name, tuple(fk["reference"]["fields"])
            if (other, fields) not in lookups:
                lookups[other, fields] = digest([[row.cells.get(field) for field in fields] for row in tables[other].rows])
            looked_up.append([other, by_name[other], fields, lookups[(other, fields)]])
        table_keys[name] = digest([package_keys, table, tables[name].sha256, looked_up])
    known = {name: FINDINGS.get(key) for name, key in table_keys.items() if key in FINDINGS}
    package_key = digest(handed)  # the package's own validation reads the descriptor only
    return Plan(package_key, table_keys, known, FINDINGS.get(package_key), {name: tables[name] for name in by_name})


def complete(plan: Plan, found: list[Finding]) -> list[Finding]:
    """This run's findings with those known, in the order of one Package.validate (each table's in the descriptor's
    order, then those of no table); what was found is kept for the next check in this process."""
    package_level = [finding for finding in found if finding.origin is None]
    if plan.package_known is None:
        FINDINGS.remember(plan.package_key, package_level)
    else:  # known valid, or known with its findings (then nothing was run)
        package_level = plan.package_known + package_level
    if package_level:  # Frictionless stopped before the tables
        return package_level
    by_table = dict(plan.known)
    for name in plan.tables_to_validate:
        by_table[name] = [finding for finding in found if finding.origin == name]
    if plan.tables_to_validate and _read_as_layer_f_did(plan):
        for name in plan.tables_to_validate:
            FINDINGS.remember(plan.table_keys[name], by_table[name])
    ordered = [finding for name in plan.table_keys for finding in by_table[name]]
    return [f for f in ordered if f.table is not None] + [f for f in ordered if f.table is None]


def _read_as_layer_f_did(plan: Plan) -> bool:
    """Whether every CSV still holds the bytes layer f read: Frictionless read them again, so a file changed
    meanwhile got a verdict that is not the one of the bytes its key names (this check reports it; no later check
    in this process may take it for those bytes)."""
    try:
        return all(sha256_of_file(table.file) == table.sha256 for table in plan.tables.values())
    except Exception:  # gone, or no longer a regular file: nothing is kept
        return False


def _field_of(error) -> str | None:
    """The field an error is about: a cell's field, or the local fields of a foreign key."""
    names = getattr(error, "field_names", None)
    return getattr(error, "field_name", None) or (",".join(names) if names else None)


def _child(root: str, descriptor: dict, tables, package_valid: bool, sender) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
        sender.send(("done", *frictionless_findings(root, descriptor, tables, package_valid)))
    except BaseException as error:  # said to the parent, which reports it
        with contextlib.suppress(Exception):
            sender.send(("failed", f"{type(error).__name__}: {error}", 0.0))
    finally:
        sender.close()


def start_frictionless(root, descriptor: dict, tables=None, package_valid: bool = False):
    """Start layer b (the tables named, None: all) in a forked child process, so that it runs on a second core
    while this process runs layers c-e. None where there is one core or no fork: it then runs in-process."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")  # fork: nothing re-imported (Frictionless, when already loaded)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(root), descriptor, tables, package_valid, sender), daemon=True)
    child.start()
    sender.close()
    return child, receiver


def finish_frictionless(started, seconds: float | None = None) -> tuple[list[Finding], float]:
    """The child's findings; RuntimeError when it failed or ran past its time (it is then killed)."""
    seconds = CHILD_SECONDS if seconds is None else seconds
    child, receiver = started
    try:
        if not receiver.poll(seconds):
            raise RuntimeError(f"the Frictionless validation ran past its {seconds} s bound and was stopped")
        status, payload, elapsed = receiver.recv()
    except EOFError:
        status, payload, elapsed = "failed", None, 0.0
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if status != "done":
        raise RuntimeError(payload or f"the Frictionless validation stopped (exit status {child.exitcode}: "
                                      "out of its memory bound?)")
    return payload, elapsed


def stop_frictionless(started) -> None:
    if started is not None:
        child, receiver = started
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def report_findings(findings: list[Finding], tables: dict[str, Table], report: Report, descriptor_path: str) -> None:
    add = report.adder(LAYER)
    for finding in findings:
        table = tables.get(finding.table) if finding.table else None
        if finding.table is None:
            add(finding.type, descriptor_path, None, None, None, finding.message)
            continue
        field_name = finding.field_name
        if not field_name and finding.type == "primary-key" and table:
            field_name = ",".join(table.spec.primary_key)
        line = table.line_of_record(finding.row_number) if table else finding.row_number
        add(finding.type, table.path if table else finding.place, line, finding.table, field_name, finding.message)


def report_left_out(tables: dict[str, Table], report: Report) -> None:
    add = report.adder(LAYER)
    for table in tables.values():
        if table.readable and not table.too_large and table.structural:
            add("frictionless-left-out", table.path, None, table.name, None,
                f"not handed to Frictionless: {table.structural} (layer f); its keys are checked once it is fixed")
