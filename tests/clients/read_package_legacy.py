"""Reads every resource of a Data Package with the legacy Python libraries datapackage 1.x and tableschema 1.x, as
their users do: typed values and foreign keys resolved (`read(keyed=True, relations=True)`). Run by
tests/clients/test_clients_datapackage_libraries.py in its own venv (.venv-clients/legacy). Prints one JSON document:
{"valid", "errors", "tables": {name: rows} or {name: {"error": message}}}; a value JSON has no type for (a date, a
Decimal) is written as {"type": ..., "value": str(value)} so that the test sees what the library made of it."""
import json
import sys

from datapackage import Package


def plain(value):
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return {"type": type(value).__name__, "value": str(value)}


def main(descriptor_path):
    package = Package(descriptor_path)
    out = {"valid": package.valid, "errors": [str(e) for e in package.errors], "tables": {}}
    for resource in package.resources:
        try:
            out["tables"][resource.name] = plain(resource.read(keyed=True, relations=True))
        except Exception as error:  # the library's own exceptions: reported, the test says which table failed
            details = [str(e) for e in getattr(error, "errors", [])][:5]
            out["tables"][resource.name] = {"error": " | ".join([str(error), *details])}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
