"""Stage 2 of the pipeline: seeds -> data/sentences.csv.

Every line of a seed is a paragraph; pysbd splits each line into sentences with character spans, which are
trimmed and shifted to offsets in the whole seed. The headline is one sentence, each '- ' header line is one
sentence starting after its list marker, and the trailing 'Comments' line is kept as page furniture, so that
every non-blank character of the seed (the list markers excepted) lies in exactly one sentence.

    python -m scripts.sentences           # rewrite data/sentences.csv if its content changes
    python -m scripts.sentences --check   # exit 1 when the committed file differs from the output
"""
from __future__ import annotations

import sys
from pathlib import Path

import pysbd

from scripts.csvio import read_rows, render_csv
from scripts.generated import generator_main
from scripts.schemas import load_spec
from scripts.seeds import FURNITURE_LINES, HEADER_MARKER, read_seed

_SEGMENTER = pysbd.Segmenter(language="en", clean=False, char_span=True)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_seed(text: str) -> list[dict]:
    """Sentences of one seed: dicts with start, end, paragraph, kind, text (no ids yet)."""
    sentences = []
    line_start = 0
    lines = text.split("\n")
    for line_number, line in enumerate(lines, start=1):
        offset = line_start
        line_start += len(line) + 1
        if not line.strip():
            continue
        if line_number == 1:
            kind, pieces = "headline", [(0, len(line))]
        elif line.startswith(HEADER_MARKER) and all(sentence["kind"] != "body" for sentence in sentences):
            kind, pieces = "header", [(len(HEADER_MARKER), len(line))]
        elif line.strip() in FURNITURE_LINES and line_number == len(lines):
            kind, pieces = "furniture", [(0, len(line))]
        else:
            kind = "body"
            # pysbd's spans cover the line; each sentence's span runs to the next one's start.
            pieces = [(span.start, span.end) for span in _SEGMENTER.segment(line)]
        for piece_start, piece_end in pieces:
            start, end = _trimmed(text, offset + piece_start, offset + piece_end)
            if start < end:
                sentences.append({"start": start, "end": end, "paragraph": line_number, "kind": kind,
                                  "text": text[start:end]})
    return sentences


def sentence_rows(root: Path) -> list[dict]:
    rows = []
    for source in read_rows(root / "data" / "sources.csv"):
        text = read_seed(root / source["path"])
        sentences = split_seed(text)
        width = max(3, len(str(len(sentences))))
        for position, sentence in enumerate(sentences, start=1):
            rows.append({"sentence_id": f"{source['source_id']}-s{position:0{width}d}",
                         "source_id": source["source_id"], "position": position, **sentence})
    return sorted(rows, key=lambda row: row["sentence_id"])


def render(root: Path) -> str:
    header = load_spec(root).table("sentences").field_names
    return render_csv(header, sentence_rows(root))


def main(argv=None) -> int:
    return generator_main(argv, __doc__, "data/sentences.csv", render, "scripts/sentences.py", "run `make sentences`")


if __name__ == "__main__":
    sys.exit(main())
