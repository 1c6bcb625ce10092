"""The benchmark (issue 7, `make bench`): the check, the official `frictionless validate` and the SQLite build on
synthetic packages of 1, 10, 100 and 1,000 seeds (scripts/synthetic.py), written to docs/benchmarks.md.

    python -m scripts.bench [--sizes 1,10,100,1000] [--runs 5] [--output docs/benchmarks.md]

For each size and each of --runs repetitions, the check (`python -m scripts.check --timings`) and then
`frictionless validate` run on the same package, interleaved, each as a child process; then the SQLite build
(`python -m scripts.build_sqlite`, which is what `make build` runs, the check included). Every figure is a median
over the repetitions: wall-clock seconds, CPU seconds (user + system, from wait4) and peak resident memory of the
child. Last, `make build` on the real package. The table goes between the markers of the output file; the text
around them (the profile findings) is kept as written.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from scripts.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "build" / "bench"
DEFAULT_SIZES = (1, 10, 100, 1000)
START, END = "<!-- bench:start (written by `make bench`; edit the text outside these markers) -->", "<!-- bench:end -->"
LAYER_NAMES = {"a": "descriptor", "b": "frictionless", "c": "rows", "d": "provenance", "e": "rules", "f": "read + hygiene"}
# The targets of issue 7.
MAX_RATIO = 1.3
MAX_GROWTH_100_TO_1000 = 12
MAX_PEAK_MIB = 1024
MAX_MAKE_BUILD_SECONDS = 2.0


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class SizeResult:
    seeds: int
    rows: int
    evidence_spans: int
    check: list[Run] = field(default_factory=list)
    frictionless: list[Run] = field(default_factory=list)
    build: list[Run] = field(default_factory=list)
    layers: list[dict[str, float]] = field(default_factory=list)


def measure(command: list[str], cwd: Path = ROOT) -> Run:
    """Run a child process to its end; its wall time, CPU time and peak memory from the kernel (wait4)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen so
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def layer_timings(stderr: str) -> dict[str, float]:
    for line in stderr.splitlines():
        if line.startswith("timings "):
            return json.loads(line.removeprefix("timings "))
    return {}


def has_build() -> bool:
    return importlib.util.find_spec("scripts.build_sqlite") is not None


def bench_size(seeds: int, runs: int, python: str, frictionless: str) -> SizeResult:
    package = BENCH_DIR / f"seeds-{seeds}"
    summary = generate(seeds, package)
    result = SizeResult(seeds, summary.rows, summary.evidence_spans)
    descriptor = str(package / "datapackage.json")
    for repetition in range(1, runs + 1):
        check = measure([python, "-m", "scripts.check", descriptor, "--timings"])
        official = measure([frictionless, "validate", descriptor])
        for name, run in (("check", check), ("frictionless validate", official)):
            if run.returncode != 0:
                raise SystemExit(f"bench: {name} rejects the {seeds}-seed package (exit {run.returncode}):\n"
                                 f"{(run.stdout + run.stderr)[-3000:]}")
        result.check.append(check)
        result.frictionless.append(official)
        result.layers.append(layer_timings(check.stderr))
        line = f"  {seeds:>5} seeds, run {repetition}: check {check.wall:7.2f} s, frictionless {official.wall:7.2f} s"
        if has_build():
            build = measure([python, "-m", "scripts.build_sqlite", "--root", str(package),
                             "--output", str(BENCH_DIR / f"seeds-{seeds}.db")])
            if build.returncode != 0:
                raise SystemExit(f"bench: the build of the {seeds}-seed package failed:\n{(build.stdout + build.stderr)[-3000:]}")
            result.build.append(build)
            line += f", build {build.wall:7.2f} s"
        print(line, flush=True)
    return result


def median(runs: list[Run], attribute: str) -> float:
    return statistics.median(getattr(run, attribute) for run in runs)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal"))
        memory = f"{memory_kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "unknown RAM"
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("frictionless", "jsonschema", "sqlite-utils")
                         if _installed(name))
    try:
        system = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        system = platform.system()
    return (f"{cpu}, {os.cpu_count()} cores, {memory}; {system}, kernel {platform.release()}; "
            f"Python {platform.python_version()}; {versions}")


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def render(results: list[SizeResult], make_build: Run | None, runs: int, started: str, loads: tuple) -> str:
    lines = [START, "",
             f"Measured {started} on: {machine()}.",
             f"Load average (1 min) {loads[0]:.2f} before, {loads[1]:.2f} after: other work on the machine slows "
             "both programs alike, which is why they run interleaved.",
             f"Medians of {runs} runs. *check*: `python -m scripts.check`, all six layers (b is the same Frictionless "
             "validation, run in a child process beside layers c-f); *frictionless*: `frictionless validate "
             "datapackage.json` alone; *build*: `python -m scripts.build_sqlite`, which `make build` runs and which "
             "runs the check beside the build. Wall-clock seconds; CPU is user + system seconds of the program and "
             "its child processes; peak is the maximum resident memory of its largest process.", "",
             "| seeds | rows | evidence spans | check (s) | frictionless (s) | check / frictionless | "
             "CPU check / frictionless | build (s) | peak check (MiB) | peak frictionless (MiB) | peak build (MiB) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        check, official = median(r.check, "wall"), median(r.frictionless, "wall")
        cpu_ratio = median(r.check, "cpu") / median(r.frictionless, "cpu")
        build = f"{median(r.build, 'wall'):.2f}" if r.build else "n/a"
        build_peak = f"{median(r.build, 'peak_mib'):.0f}" if r.build else "n/a"
        lines.append(f"| {r.seeds:,} | {r.rows:,} | {r.evidence_spans:,} | {check:.2f} | {official:.2f} | "
                     f"{check / official:.2f} | {cpu_ratio:.2f} | {build} | {median(r.check, 'peak_mib'):.0f} | "
                     f"{median(r.frictionless, 'peak_mib'):.0f} | {build_peak} |")
    lines += ["", "Each layer of the check, median seconds (from `--timings`; the remainder of the check's wall time is "
              "the interpreter's start and imports):", "",
              "| seeds | " + " | ".join(f"({k}) {v}" for k, v in LAYER_NAMES.items()) + " |",
              "|---:|" + "---:|" * len(LAYER_NAMES)]
    for r in results:
        cells = [f"{statistics.median(t.get(k, 0.0) for t in r.layers):.3f}" for k in LAYER_NAMES]
        lines.append(f"| {r.seeds:,} | " + " | ".join(cells) + " |")
    lines += ["", "Targets of issue 7:", ""] + [f"- {line}" for line in verdicts(results, make_build)] + ["", END]
    return "\n".join(lines) + "\n"


def verdicts(results: list[SizeResult], make_build: Run | None) -> list[str]:
    found = []
    worst = max(results, key=lambda r: median(r.check, "wall") / median(r.frictionless, "wall"))
    ratio = median(worst.check, "wall") / median(worst.frictionless, "wall")
    cpu_ratio = max(median(r.check, "cpu") / median(r.frictionless, "cpu") for r in results)
    found.append(f"check at most {MAX_RATIO} × frictionless at every size: {'met' if ratio <= MAX_RATIO else 'MISSED'} "
                 f"(worst wall-clock ratio {ratio:.2f}, at {worst.seeds:,} seeds; worst CPU ratio {cpu_ratio:.2f})")
    by_size = {r.seeds: r for r in results}
    if 100 in by_size and 1000 in by_size:
        growth = median(by_size[1000].check, "wall") / median(by_size[100].check, "wall")
        rows = by_size[1000].rows / by_size[100].rows
        found.append(f"1,000 seeds at most {MAX_GROWTH_100_TO_1000} × the 100-seed time: "
                     f"{'met' if growth <= MAX_GROWTH_100_TO_1000 else 'MISSED'} ({growth:.1f} ×, for {rows:.1f} × the rows)")
        peak = max(median(by_size[1000].check, "peak_mib"), median(by_size[1000].build, "peak_mib") if by_size[1000].build else 0)
        found.append(f"peak memory under {MAX_PEAK_MIB} MiB at 1,000 seeds: {'met' if peak < MAX_PEAK_MIB else 'MISSED'} "
                     f"({peak:.0f} MiB, the larger of check and build)")
    else:
        found.append("linearity and peak memory at 1,000 seeds: not measured in this run (sizes 100 and 1000 needed)")
    if make_build is None:
        found.append("`make build` of the real package: not measured (no scripts/build_sqlite.py yet)")
    else:
        found.append(f"`make build` of the real package under {MAX_MAKE_BUILD_SECONDS:.0f} s: "
                     f"{'met' if make_build.wall < MAX_MAKE_BUILD_SECONDS else 'MISSED'} "
                     f"(median {make_build.wall:.2f} s, environment present)")
    return found


def time_make_build(runs: int) -> Run | None:
    if not has_build():
        return None
    measure(["make", "--no-print-directory", "build"])  # not timed: it may (re)create the environment first
    measured = [measure(["make", "--no-print-directory", "build"]) for _ in range(runs)]
    failed = next((run for run in measured if run.returncode != 0), None)
    if failed:
        raise SystemExit(f"bench: `make build` failed:\n{(failed.stdout + failed.stderr)[-3000:]}")
    return sorted(measured, key=lambda run: run.wall)[len(measured) // 2]


def write_report(output: Path, block: str) -> None:
    """Replace the figures between the markers; keep the rest of the file."""
    text = output.read_text(encoding="utf-8") if output.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{START}\n{END}\n"
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(before + block.rstrip("\n") + after, encoding="utf-8")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are numbers of seeds separated by commas, not {text!r}")
    if not sizes or any(size < 1 or size > 9999 for size in sizes):
        raise argparse.ArgumentTypeError("each size must be between 1 and 9999 seeds")
    return sizes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes(os.environ.get("BENCH_SIZES") or "1,10,100,1000"),
                        help="numbers of seeds, comma-separated (default: $BENCH_SIZES or 1,10,100,1000)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS") or 5),
                        help="repetitions per size (default: $BENCH_RUNS or 5)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    python = sys.executable
    frictionless = str(Path(python).with_name("frictionless"))
    if not Path(frictionless).exists():
        print(f"bench: {frictionless} not found: run `make bench` (it installs the environment)", file=sys.stderr)
        return 2
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()[0]
    results = []
    for seeds in args.sizes:
        print(f"{seeds} seeds:", flush=True)
        results.append(bench_size(seeds, args.runs, python, frictionless))
    make_build = time_make_build(args.runs)
    block = render(results, make_build, args.runs, started, (load_before, os.getloadavg()[0]))
    write_report(Path(args.output), block)
    print()
    print(block.split("\n", 2)[2].replace(END, "").rstrip())
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
