"""Runs a command installed in this venv once per argument list, all in this one process: the function its
bin/<command> script calls (its console_scripts entry point), each run with its own sys.argv, its own captured
stdout and stderr, and the exit status its own process would have had. Run by tests/clients/conftest.py
(run_console_script) so that a client starts once for many runs, not once per run. Prints one JSON list, one
{"returncode", "stdout", "stderr"} per argument list.
Usage: python run_console_script.py COMMAND '[["--option", "file"], ...]'"""
import contextlib
import io
import json
import sys
from importlib.metadata import entry_points


def exit_status(code):
    """What the interpreter makes of sys.exit(code): None is 0, an integer is itself, anything else is printed, 1."""
    if code is None:
        return 0, ""
    if isinstance(code, int):
        return code, ""
    return 1, f"{code}\n"


def run_once(launch, command, arguments):
    sys.argv = [command, *arguments]
    # Byte-backed text streams like a real stdout (with .buffer and .encoding), which some clients write through.
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            returncode, message = exit_status(launch())  # bin/<command> does sys.exit(launch())
        except SystemExit as exit_:
            returncode, message = exit_status(exit_.code)
        except Exception:  # an uncaught error: reported by the client's own excepthook if it set one, as it would be
            sys.excepthook(*sys.exc_info())
            returncode, message = 1, ""
        sys.stderr.write(message)
    stdout.flush()
    stderr.flush()
    return {"returncode": returncode, "stdout": stdout.buffer.getvalue().decode("utf-8"),
            "stderr": stderr.buffer.getvalue().decode("utf-8")}


def main(command, argument_lists):
    points = list(entry_points(group="console_scripts", name=command))
    if not points:
        sys.exit(f"no console script {command!r} is installed in {sys.prefix}")
    launch = points[0].load()
    json.dump([run_once(launch, command, arguments) for arguments in argument_lists], sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
