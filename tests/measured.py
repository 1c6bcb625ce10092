"""`python -m <module>` as a measured process, without starting an interpreter: a child forked from this test
process (already warm: Frictionless, jsonschema... imported) runs the module as __main__ as `python -m` would, so
under the module's own watchdog and address-space limit, with its output in files; the test process waits for it
and reads its exit status, wall time and peak resident memory (its own and its children's: the check forks a
Frictionless child). For the tests of bounded work: test_trust_end_to_end.py, test_hostile_input.py.
What a warm process has the child has too: the imports, the gazetteer, and Frictionless's verdicts on tables this
process already validated (scripts/check/memo.py: layers b and c), so the figures are the work that the
hostile input itself causes, not a new interpreter's start (about 1.5 s and 0.5 s of Frictionless more)."""
from __future__ import annotations

import functools
import gc
import os
import resource
import runpy
import select
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import scripts.build_sqlite  # noqa: F401 (imported once here, so that no child imports the build's dependencies)
from scripts.check import frictionless as layer_b
from scripts.check import run_check, runner
from tests.conftest import DEFAULT_GC_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 ** 2
SECONDS = runner.WATCHDOG_SECONDS  # every measured run's time bound: the watchdog's
MEMORY = runner.WATCHDOG_MEMORY_BYTES  # every measured run's memory bound, per process
CHILD_FAILED = 70  # the child's exit status when it failed before or after running the module (EX_SOFTWARE)


def _status_kib(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))


# `python -m scripts.check` caps its address space (2 GiB; its Frictionless child's: 3 GiB), counting a fresh
# interpreter and its imports: this process's address space once the check is imported stands for those. What the
# test session maps after (other tests' threads reserve malloc arenas: 1.7 GiB in a full run) a forked child
# inherits, though it is not the check's: the child adds it to both caps, so the check keeps the room (within about
# 0.15 GiB: its lazy imports) that it has as a command, and the measured run fails only where the command would.
ADDRESS_SPACE_AT_IMPORT = _status_kib("VmSize") * 1024


@dataclass
class ForkedModule:
    pid: int
    scratch: Path  # the child's stdout, stderr and peaks files
    started: float
    reaped: bool = False

    def running(self) -> bool:
        if not self.reaped:
            self.reaped = os.waitpid(self.pid, os.WNOHANG)[0] == self.pid
        return not self.reaped

    def kill(self) -> None:
        if not self.reaped:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.reaped = True

    def wait(self, timeout: float) -> tuple[int, resource.struct_rusage]:
        """(exit status, the child's resource usage); killed and AssertionError past timeout (the watchdog failed)."""
        exited = os.pidfd_open(self.pid)
        try:
            if not select.select([exited], [], [], timeout)[0]:
                self.kill()
                raise AssertionError(f"the child still ran after {timeout} s: killed")
        finally:
            os.close(exited)
        _, status, usage = os.wait4(self.pid, 0)
        self.reaped = True
        return os.waitstatus_to_exitcode(status), usage

    def output(self, name: str) -> str:
        path = self.scratch / name
        return path.read_text(encoding="utf-8", errors="backslashreplace") if path.exists() else ""


@functools.cache
def warm_up() -> None:
    """Do once in this process what the check's first run does lazily (imports: jsonschema, RE2, EDTF; the
    gazetteer's data): a child's work is lost with it, so every child would do it again."""
    run_check(ROOT / "datapackage.json")


def fork_module(module: str, args: list[str], cwd: Path, scratch: Path) -> ForkedModule:
    """Start `python -m module args` in cwd as a forked child of this process; its stdout and stderr go to files
    in scratch."""
    warm_up()
    sys.stdout.flush()  # else a buffer copied into the child could be written twice
    sys.stderr.flush()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        code = CHILD_FAILED
        try:
            code = _run_as_main(module, args, cwd, scratch)
        finally:
            os._exit(code)  # never back into pytest, nor its exit handlers
    return ForkedModule(pid, scratch, started)


def _run_as_main(module: str, args: list[str], cwd: Path, scratch: Path) -> int:
    """In the child: what `python -m module args` does after its imports, with PYTHONIOENCODING=utf-8:strict (a
    report that cannot be encoded fails, as in a terminal that takes UTF-8 only). Writes the peaks file last."""
    os.chdir(cwd)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        file = os.open(scratch / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(file, fd)
        os.close(file)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="strict", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    at_fork = _status_kib("VmRSS")  # this test process's resident memory, which the child starts with
    session_mapped = max(0, _status_kib("VmSize") * 1024 - ADDRESS_SPACE_AT_IMPORT)
    limit_memory = runner.limit_memory  # the caps on top of what the session mapped (see ADDRESS_SPACE_AT_IMPORT)
    runner.limit_memory = lambda limit=runner.ADDRESS_SPACE_BYTES: limit_memory(limit + session_mapped)
    layer_b.CHILD_MEMORY_BYTES += session_mapped
    sys.argv = [module, *args]
    gc.set_threshold(*DEFAULT_GC_THRESHOLD)  # collections as often as in `python -m` (tests/conftest.py)
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit:
        code = _exit_status(exit.code)
    except BaseException:  # as the interpreter would: the traceback, exit 1 (and the test sees the traceback)
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # VmHWM: the child's own peak; RUSAGE_CHILDREN: its Frictionless child's (and any other it waited for)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    (scratch / "peaks").write_text(f"{at_fork} {_status_kib('VmHWM')} {children}\n", encoding="utf-8")
    return code


def _exit_status(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def measure(case: str, module: str, *args: str, cwd: Path = ROOT) -> tuple[int, str, str]:
    """Run `python -m module args` as a process (forked, see above), as a user would, under its watchdog; hold it
    to the bounds and print what it took (a line `BOUND ...`, seen with pytest -s). Returns (exit status,
    stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="measured-") as scratch:
        child = fork_module(module, list(args), cwd, Path(scratch))
        code, usage = child.wait(timeout=SECONDS + 60)
        seconds = time.perf_counter() - child.started
        out, err, peaks = child.output("stdout"), child.output("stderr"), child.output("peaks")
    assert peaks and "Traceback" not in err, f"{case}: exit {code}\n{err[-3000:]}"
    at_fork, own, children = (int(kib) * 1024 for kib in peaks.split())
    # wait4's ru_maxrss is the larger of the child's and its waited-for children's, counted by the kernel
    peak = max(own, children, usage.ru_maxrss * 1024)
    print(f"\nBOUND {case}: {seconds:.2f} s (bound {SECONDS} s), peak {peak / MIB:.0f} MiB, of which {at_fork / MIB:.0f} MiB "
          f"the test process's at fork (bound {MEMORY // MIB} MiB), exit {code}")
    assert seconds < SECONDS and peak < MEMORY, f"{case}: {seconds} s, {peak / MIB:.0f} MiB"
    return code, out, err
