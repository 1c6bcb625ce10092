"""Stage 4 of the pipeline: check a data package and tell the curator exactly what is wrong and where.

    python -m scripts.check [DATAPACKAGE] [--format text|json] [--timings]

Layers, each reported separately (one module each in scripts/check/; their order in runner.py):
  (a) descriptor    datapackage.json: JSON, resources at data/<name>.csv with their JSON Schemas at
                    schemas/<name>.schema.json, nothing fetched, valid JSON Schemas whose patterns RE2 runs, valid
                    Unicode, http(s) links only, no drift from what `make package` derives from schemas/
  (b) frictionless  the official Frictionless validation of every table, keys and foreign keys included
  (c) rows          every row against its table's JSON Schema (types, patterns, enums, rules between fields)
  (d) provenance    seeds' sha256, paths and header lines, sentences against their seed (text, line, order),
                    every evidence span
  (e) rules         rules across tables (names in the seed, leaders, sizes, dates, quotes, usage)
  (f) hygiene       UTF-8 without BOM, '\\n' line ends, final newline, exact header, the header's number of cells in
                    every row, no blank rows, well-formed quoting, no padded, formula-like or control characters in
                    cells, rows sorted by primary key
Output: one line per problem, `path:line: [table.field] code: message`, grouped by layer, then a summary line;
every code is listed in docs/problem-codes.md. `--format json` gives the same problems, each with its `code`.
Exit status: 0 valid, 1 invalid, 2 unusable input (descriptor missing, unreadable or not JSON; the check ran past
its bound of WATCHDOG_SECONDS).
Every file of the package is untrusted input (SECURITY.md): the check reads only regular files inside the package
directory (size-capped; a pipe or a device is refused at once), refuses URLs, absolute paths, '..' and links
leading out, never opens a network connection, streams the CSVs in bounded memory, lists at most
MAX_LISTED_PER_FILE problems per file and layer, prints control characters escaped, and never writes a file.

In Python: `vet(descriptor)` (or `vet_package(root)`) returns a Vetted: the report and the exact rows, seed texts and
schemas it checked, which the build and the generators use instead of reading the package themselves.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from scripts.check import runner
from scripts.check.hygiene import MAX_CELL_CHARS
from scripts.check.inputs import Unusable
from scripts.check.report import (
    MAX_LISTED_PER_FILE,
    Problem,
    Report,
    clipped,
    printable,
    render_json,
    render_text,
    render_unusable,
    summary_line,
)
from scripts.check.runner import (
    CheckTimeout,
    PackageRefused,
    Vetted,
    VettedFileChanged,
    checked_package,
    run_check,
    vet,
    vet_package,
)


def main(argv=None, bounded: bool = False) -> int:
    """The command line. bounded: run under the watchdog (python -m scripts.check does; a caller in-process
    that has its own bounds, such as the tests, need not)."""
    parser = argparse.ArgumentParser(prog="python -m scripts.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", help="the package descriptor (default: ./datapackage.json)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--timings", action="store_true",
                        help="also print each layer's seconds to stderr, as one JSON line 'timings {...}' (for make bench)")
    args = parser.parse_args(argv)
    as_json = args.format == "json"
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        if bounded:
            runner.limit_memory()
            with runner.watchdog(runner.WATCHDOG_SECONDS):
                report = run_check(Path(args.datapackage))
        else:
            report = run_check(Path(args.datapackage))
    except Unusable as error:
        (sys.stdout if as_json else sys.stderr).write(render_unusable(error.code, error.path, error.message, as_json))
        return 2
    except MemoryError:
        message = f"the check ran out of its memory bound ({runner.ADDRESS_SPACE_BYTES // 1024 ** 2} MiB of address space)"
        (sys.stdout if as_json else sys.stderr).write(render_unusable("check-out-of-memory", args.datapackage, message, as_json))
        return 2
    except CheckTimeout as error:
        (sys.stdout if as_json else sys.stderr).write(render_unusable("check-timeout", args.datapackage, str(error), as_json))
        return 2
    except Exception as error:  # the promise is a message, never a traceback
        message = f"internal error while checking: {type(error).__name__}: {clipped(str(error))}"
        (sys.stdout if as_json else sys.stderr).write(render_unusable("internal-error", args.datapackage, message, as_json))
        return 2
    sys.stdout.write(render_json(report) if as_json else render_text(report))
    if args.timings:
        print("timings " + json.dumps({layer: round(seconds, 4) for layer, seconds in report.timings.items()}), file=sys.stderr)
    return 0 if report.valid else 1


__all__ = ["MAX_LISTED_PER_FILE", "PackageRefused", "Problem", "checked_package", "Report", "Unusable", "Vetted", "VettedFileChanged", "main", "printable",
           "render_json", "render_text", "run_check", "summary_line", "vet", "vet_package"]
