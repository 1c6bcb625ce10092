"""Generate datapackage.json from schemas/package.yaml and schemas/*.schema.json.

    python -m scripts.package          # rewrite datapackage.json (only if its content changes)
    python -m scripts.package --check  # exit 1 when the committed file differs from what would be written
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts.schemas import load_spec, table_schema

PACKAGE_KEYS = ("name", "title", "description", "version", "created", "homepage",
               "keywords", "licenses",
                "contributors", "sources")


def build_descriptor(root: Path | str = ".") -> dict:
    spec = load_spec(root)
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    args = parser.parse_args(argv)
    root = Path(args.root)
    target = root / "datapackage.json"
    text = render(build_descriptor(root))
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if args.check:
        if current != text:
            print(f"{target}: differs from what scripts/package.py generates; run `make package`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
