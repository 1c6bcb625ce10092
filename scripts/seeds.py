"""Stage 1 of the pipeline: the seeds. Reading a seed exactly (bytes decoded as UTF-8, no newline
translation, so that code-point offsets are those of the file) and reading its header lines."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HEADER_MARKER = "- "  # the three header lines are list items; the marker is layout, not text
FURNITURE_LINES = {"Comments"}  # page furniture after the article body


def read_seed(path: Path | str) -> str:
    """The seed's text exactly as stored. Raises UnicodeDecodeError on invalid UTF-8."""
    return Path(path).read_bytes().decode("utf-8")


def sha256_of(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class SeedHeader:
    title: str
    section: str
    published: str  # ISO 8601 without offset
    author: str


_PUBLISHED = re.compile(r"^\d{2}:\d{2} [AP]M, [A-Z][a-z]{2} \d{2}, \d{4}$")


def parse_header(text: str) -> SeedHeader:
    """Read the headline and the three '- ' header lines (section, date line, byline) of a seed."""
    lines = text.split("\n")
    if len(lines) < 4 or not all(line.startswith(HEADER_MARKER) for line in lines[1:4]):
        raise ValueError("a seed starts with its headline and three '- ' header lines (section, date, byline)")
    section, date_line, author = (line[len(HEADER_MARKER):].strip() for line in lines[1:4])
    if not _PUBLISHED.match(date_line):
        raise ValueError(f"unrecognised date line {date_line!r} (expected like '06:43 PM, Jun 04, 2025')")
    published = datetime.strptime(date_line, "%I:%M %p, %b %d, %Y").isoformat()
    return SeedHeader(lines[0].strip(), section, published, author)
