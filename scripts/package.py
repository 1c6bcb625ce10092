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


def build_descriptor(root: Path | str = ".") -> dict:
    return derive_descriptor(load_spec(root))


def derive_descriptor(spec: PackageSpec) -> dict:
    """The descriptor of a package's metadata and table specs (the check compares the declared one to this)."""
    descriptor = {"profile": "tabular-data-package"}
    descriptor.update({k: spec.metadata[k] for k in PACKAGE_KEYS if k in spec.metadata})
    descriptor["resources"] = [
        {
            "name": t.name,
            "title": t.title,
            "description": t.description,
            "path": t.data_path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
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
