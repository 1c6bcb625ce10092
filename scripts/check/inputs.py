"""How the check opens what a package holds: every path resolved inside the package (no URL, no absolute path,
no '..', no symbolic link leading out), every file opened as a regular file only (a FIFO, a device or a socket is
refused at once, never waited on) and read within a size cap; JSON and YAML read strictly (no repeated key, no
NaN, no alias, no tag). Also the tables as read, once, for every layer (Table, Row)."""
from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from scripts.check.report import clipped
from scripts.schemas import TableSpec

MAX_DESCRIPTOR_BYTES = 16_000_000  # a descriptor is a few kB; /dev/zero or a huge file is refused, not read
MAX_SCHEMA_BYTES = 16_000_000  # a JSON Schema or package.yaml: likewise
MAX_SEED_BYTES = 16_000_000  # a seed is one article (a few kB); its whole text is kept for the spans
MAX_LINE_BYTES = 8_000_016  # a CSV line: room for the largest cell (2,000,000 characters of up to 4 bytes)


class Unusable(Exception):
    """The input cannot be checked at all (exit 2)."""

    def __init__(self, code: str, path, message: str):
        super().__init__(f"{path}: {message}")
        self.code, self.path, self.message = code, path, message


@dataclass
class Refusal:
    code: str
    message: str


def safe_path(root: Path, relative, what: str) -> tuple[Path | None, Refusal | None]:
    """Resolve a path of the package inside the package root, or say why it is refused."""
    if not isinstance(relative, str) or not relative:
        return None, Refusal("path-malformed", f"{what} must be a non-empty string path, not "
                                               f"{type(relative).__name__} {clipped(repr(relative))}")
    # Any scheme ('https:', 'file:', 'data:', 'zip:' ...) is a URL to Frictionless, which would fetch it.
    if "://" in relative or urlsplit(relative).scheme:
        return None, Refusal("path-is-url", f"{what} {relative!r} is a URL: only files inside the package are read, nothing is fetched")
    candidate = Path(relative)
    if candidate.is_absolute() or relative.startswith(("/", "\\")):
        return None, Refusal("path-outside-package", f"{what} {relative!r} is absolute: paths must be relative to the package")
    if ".." in candidate.parts or ".." in relative.split("\\"):
        return None, Refusal("path-outside-package", f"{what} {relative!r} climbs out of the package with '..'")
    if "\\" in relative or "\x00" in relative:
        return None, Refusal("path-malformed", f"{what} {relative!r} holds a backslash or a NUL: write paths with '/' only")
    try:
        resolved = (root / candidate).resolve()
        if not resolved.is_relative_to(root.resolve()):
            return None, Refusal("path-outside-package", f"{what} {relative!r} leads outside the package (a symbolic link?)")
        if not resolved.exists():
            return None, Refusal("path-missing", f"{what} {relative!r} does not exist")
        if not resolved.is_file():
            return None, Refusal("not-a-regular-file", f"{what} {relative!r} is not a regular file")
    except (OSError, RuntimeError, ValueError) as error:  # a name too long, a loop of symbolic links
        return None, Refusal("path-malformed", f"{what} {relative!r} cannot be used: {getattr(error, 'strerror', None) or error}")
    return resolved, None


class NotRegular(OSError):
    """A path that names something other than a regular file (checked on the open file, not before it)."""


class TooLarge(OSError):
    def __init__(self, size: int, cap: int):
        super().__init__(f"{size} bytes, more than the {cap:,} bytes read")
        self.size, self.cap = size, cap


def open_regular(path: Path, cap: int | None = None):
    """A binary file object of a regular file: opened without blocking (a FIFO opens at once, and is then refused)
    and checked on the open descriptor, so that nothing swapped in between a test and the open is read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(f"{path} is not a regular file")
        if cap is not None and status.st_size > cap:
            raise TooLarge(status.st_size, cap)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_capped(path: Path, cap: int) -> bytes:
    """A regular file's bytes, at most cap of them (TooLarge otherwise, even for a file that grows meanwhile)."""
    with open_regular(path, cap) as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(len(data), cap)
    return data


def sha256_of_file(path: Path) -> str:
    """The sha256 of a regular file, read in blocks."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _repeated(items) -> set:
    """The items that occur more than once (in linear time: a hostile header may have a million names)."""
    return {item for item, count in Counter(items).items() if count > 1}


def _not_json(constant: str):
    raise ValueError(f"{constant} is not a JSON value")


def strict_json(raw: bytes | str, duplicated_keys: list | None = None):
    """JSON without NaN/Infinity; keys repeated within one object are appended to duplicated_keys, or raise
    ValueError when no list is given. RecursionError for JSON nested too deeply."""
    def pairs_hook(pairs):
        value = dict(pairs)
        if len(value) == len(pairs):  # the common case, at the cost of one dict (a descriptor may have a million)
            return value
        repeated = sorted(_repeated(key for key, _ in pairs))
        if repeated and duplicated_keys is None:
            raise ValueError(f"key {clipped(repr(repeated[0]))} appears twice in one object: JSON readers disagree on which one counts")
        if duplicated_keys is not None:
            duplicated_keys.extend(repeated)
        return value

    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    return json.loads(text, parse_constant=_not_json, object_pairs_hook=pairs_hook)


def load_descriptor(path: Path, duplicated_keys: list | None = None) -> tuple[dict, bytes]:
    """The descriptor as a dict and its bytes, or Unusable."""
    try:
        if not path.exists():
            raise Unusable("descriptor-missing", path, "no such file")
        if path.is_dir():
            raise Unusable("descriptor-not-a-file", path, "is a directory, not a datapackage.json")
        if path.is_symlink():  # its target's directory would become the package: what is checked is what is named
            raise Unusable("descriptor-not-a-file", path, "is a symbolic link: the descriptor must be a regular file "
                           "in the package's own directory")
        raw = read_capped(path, MAX_DESCRIPTOR_BYTES)
    except NotRegular:
        raise Unusable("descriptor-not-a-file", path, "is not a regular file (a device or a pipe?), not a datapackage.json")
    except TooLarge as error:
        raise Unusable("descriptor-too-large", path, f"is {error.size} bytes, too large for a data package descriptor")
    except OSError as error:
        raise Unusable("descriptor-unreadable", path, f"cannot be read ({error.strerror or error})")
    try:
        descriptor = strict_json(raw, duplicated_keys)
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise Unusable("descriptor-not-json", path, f"is not JSON ({clipped(str(error))})")
    except RecursionError:
        raise Unusable("descriptor-not-json", path, "is not usable JSON (nested too deeply)")
    if not isinstance(descriptor, dict):
        raise Unusable("descriptor-not-an-object", path, "is JSON but not an object: not a data package descriptor")
    return descriptor, raw


class PlainYamlLoader(yaml.SafeLoader):
    """YAML's safe loader without anchors and aliases: nested aliases ('billion laughs') expand exponentially
    when the result is compared, and plain metadata never needs them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in package metadata")
        return super().compose_node(parent, index)


LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how JSON text spells one (UTF-8 bytes cannot)


def lone_surrogates(value, where: str = "", text: str | None = None) -> list[str]:
    """JSON pointers of the strings (keys too) that hold a lone surrogate, which no UTF-8 file can hold. With the
    JSON text the value was read from: nothing to look for when the text spells no surrogate at all."""
    if text is not None and not SURROGATE_ESCAPE.search(text):
        return []
    found, stack = [], [(where, value)]
    while stack:  # a loop, not recursion: the depth is the input's
        place, item = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                found.append(place or "/")
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    found.append(f"{place}/{key!r}")
                stack.append((f"{place}/{key}", child))
        elif isinstance(item, list):
            stack.extend((f"{place}/{index}", child) for index, child in enumerate(item))
    return sorted(found)


# ---------------------------------------------------------------- the tables, as read once

@dataclass(slots=True)  # one per row of every table: slots keep a large table's memory down
class Row:
    line: int
    cells: dict[str, str]


@dataclass
class Table:
    """One resource as read from disk, once; every layer works from this."""
    spec: TableSpec
    path: str  # as written in the descriptor, relative to the package root
    file: Path
    rows: list[Row] = field(default_factory=list)
    readable: bool = True
    # Record position (header = 1) -> physical line, kept sparse: (position, lines spanned so far by earlier
    # records' line breaks) where that changes, so a table of millions of one-line rows costs nothing here.
    record_shifts: list[tuple[int, int]] = field(default_factory=list)
    schema_path: str = ""  # its JSON Schema, as the descriptor names it
    rows_read: int = 0  # well-formed data rows, kept or not
    too_large: bool = False  # its rows would overflow MAX_KEPT_BYTES: layers b-e leave it out
    structural: str = ""  # why Frictionless is not handed it (a ragged row, ...), said by layer f
    sha256: str = ""  # of the bytes read, for whoever consumes the vetted table
    size: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    def note_record(self, position: int, line: int) -> None:
        shift = line - position
        if shift != (self.record_shifts[-1][1] if self.record_shifts else 0):
            self.record_shifts.append((position, shift))

    def line_of_record(self, position: int | None) -> int | None:
        if position is None:
            return None
        index = bisect.bisect_right(self.record_shifts, (position, float("inf"))) - 1
        return position + (self.record_shifts[index][1] if index >= 0 else 0)
