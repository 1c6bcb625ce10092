"""What one process keeps from check to check: verdicts that are pure functions of what a layer read, each keyed by
the sha256 of exactly that (the layer using a Memo says what goes into its key). A second check in the process
(`make docs` runs three generators; the tests check hundreds of copies that differ in one cell) then repeats only
the work whose inputs changed. Nothing is written anywhere: a new process starts with nothing known."""
from __future__ import annotations

import hashlib
import json


def digest(value) -> str:
    """The sha256 of a JSON value, keys in their order: the key of what a verdict depends on. Not sorted: the order
    of a JSON Schema's keywords is the order of jsonschema's errors, and so of the report."""
    return hashlib.sha256(json.dumps(value, ensure_ascii=True).encode("ascii")).hexdigest()


class Memo:
    """Verdicts (lists of problems or findings) by key, at most `entries` of them (the oldest forgotten first); a
    verdict of more than `largest` items is not kept (a flood is rare and costs memory)."""

    def __init__(self, entries: int = 512, largest: int = 200):
        self.entries, self.largest = entries, largest
        self.kept: dict[str, list] = {}

    def __contains__(self, key: str) -> bool:
        return key in self.kept

    def __len__(self) -> int:
        return len(self.kept)

    def get(self, key: str) -> list | None:
        return self.kept.get(key)

    def remember(self, key: str, verdict: list) -> None:
        if len(verdict) > self.largest:
            return
        self.kept.pop(key, None)
        self.kept[key] = verdict
        while len(self.kept) > self.entries:
            del self.kept[next(iter(self.kept))]
