"""Generate datapackage.json from schemas/package.yaml and schemas/*.schema.json.

    python -m scripts.package          # rewrite datapackage.json (only if its content changes)
    python -m scripts.package --check  # exit 1 when the committed file differs from what would be written
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from scripts.generated import generator_main
from scripts.schemas import PackageSpec, load_spec, table_schema

PACKAGE_KEYS = ("name", "title", "description", "version", "created", "homepage",
               "keywords", "licenses",
                "contributors", "sources")
# Frictionless Data Package v2 (datapackage.org, 2024): the profiles each descriptor declares. Everything below is
# also valid Data Package v1 where the two agree; README.md ("Use the data") says what each version reader gets.
PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
DIALECT_PROFILE = "https://datapackage.org/profiles/2.0/tabledialect.json"
# How every CSV of the package is written (scripts/csvio.py, `python -m scripts.csvformat`), declared so that no
# reader has to sniff: every field quoted, '\n' line ends, a header row. Said in v1 CSV Dialect terms too.
CSV_DIALECT = {"$schema": DIALECT_PROFILE, "header": True, "delimiter": ",", "lineTerminator": "\n",
               "quoteChar": "\"", "doubleQuote": True, "skipInitialSpace": False}


def build_descriptor(root: Path | str = ".") -> dict:
    return derive_descriptor(load_spec(root))


def derive_descriptor(spec: PackageSpec) -> dict:
    """The descriptor of a package's metadata and table specs (the check compares the declared one to this)."""
    descriptor = {"$schema": PACKAGE_PROFILE}
    descriptor.update({k: spec.metadata[k] for k in PACKAGE_KEYS if k in spec.metadata})
    descriptor["resources"] = [
        {
            "$schema": RESOURCE_PROFILE,
            "name": t.name,
            "type": "table",
            "title": t.title,
            "description": t.description,
            "path": t.data_path,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": dict(CSV_DIALECT),
            "jsonschema": t.schema_path,
            "schema": table_schema(t),
        }
        for t in spec.tables
    ]
    return descriptor


def render(descriptor: dict) -> str:
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    return generator_main(argv, __doc__, "datapackage.json", lambda root: render(build_descriptor(root)),
                          "scripts/package.py", "run `make package`")


if __name__ == "__main__":
    sys.exit(main())
