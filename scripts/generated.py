"""Files generated from the package (CITATION.cff, the codebook, the figures): write one, or report its drift."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import yaml

from scripts.csvio import write_if_changed

# What unreadable input raises (a missing file, bad JSON or YAML, a missing key): a message, never a traceback.
INPUT_ERRORS = (OSError, ValueError, KeyError, yaml.YAMLError)


def write_or_check(target: Path, text: str, check: bool, generator: str, fix: str = "run `make docs`") -> bool:
    """With check, True when the committed file differs from text (said on stderr); otherwise write it if it
    changes and return False."""
    if check:
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            print(f"{target}: differs from what {generator} generates; {fix}", file=sys.stderr)
            return True
        return False
    if write_if_changed(target, text):
        print(f"wrote {target}")
    return False


def generator_main(argv, doc: str, target: str, render: Callable[[Path], str], generator: str,
                   fix: str = "run `make docs`") -> int:
    """The command line every generator shares: `--root DIR` and `--check` (exit 1 on drift, 2 on bad input)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        text = render(root)
    except INPUT_ERRORS as error:
        print(f"error: cannot generate {target}: {error}", file=sys.stderr)
        return 2
    return 1 if write_or_check(root / target, text, args.check, generator, fix) else 0
