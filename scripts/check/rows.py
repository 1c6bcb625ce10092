"""Layer (c): every row against its table's JSON Schema (types, patterns under RE2, vocabularies, formats, rules
between fields). Cells are typed the one way scripts/cells.py reads them."""
from __future__ import annotations

from scripts.cells import typed_cell
from scripts.check.inputs import Table
from scripts.check.memo import Memo, digest
from scripts.check.report import Report, clipped
from scripts.schemas import TableSpec, quick_row_test, row_validator

LAYER = "c"
# jsonschema's keyword -> the problem's code
KEYWORD_CODES = {"type": "wrong-type", "pattern": "pattern-mismatch", "enum": "not-in-vocabulary", "const": "not-in-vocabulary",
                 "format": "wrong-format", "minimum": "out-of-range", "maximum": "out-of-range",
                 "exclusiveMinimum": "out-of-range", "exclusiveMaximum": "out-of-range", "minLength": "wrong-length",
                 "maxLength": "wrong-length", "additionalProperties": "unexpected-field", "required": "required",
                 "oneOf": "exactly-one-of", "not": "mutually-exclusive", "dependentRequired": "dependent-required"}


def typed_row(spec: TableSpec, cells: dict[str, str]) -> dict:
    """A CSV row as JSON Schema sees it: empty cells absent, integers, numbers and booleans typed when they parse."""
    typed = {}
    for f in spec.fields:
        value = typed_cell(f.type if f.type in ("integer", "number", "boolean") else "string", cells.get(f.name, ""))
        if value is not None:
            typed[f.name] = value
    return typed


def _readable_error(error) -> tuple[str, str | None, str]:
    """(code, field, message) of a jsonschema error."""
    code = KEYWORD_CODES.get(error.validator, "schema-violation")
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else None
        return code, missing, "is required but empty"
    if error.validator == "oneOf" and all("required" in s for s in error.validator_value):
        fields = [s["required"][0] for s in error.validator_value]
        return code, "|".join(fields), f"exactly one of {', '.join(fields)} must be set"
    if error.validator == "not" and "required" in error.validator_value:
        fields = error.validator_value["required"]
        return code, "|".join(fields), f"{' and '.join(fields)} must not both be set"
    if error.validator == "dependentRequired":
        for dependent, needed in error.validator_value.items():
            if dependent in error.instance:
                return code, dependent, f"{dependent} is set, so {', '.join(needed)} must be set too"
    field_name = error.absolute_path[0] if error.absolute_path else None
    if error.validator == "additionalProperties":
        return code, None, error.message
    return code, field_name, f"{error.message} ({error.validator})"


# A table's problems here are a pure function of its rows (the sha256 of the bytes layer f read), its JSON Schemas,
# its name and its paths: kept for the next check in this process (scripts/check/memo.py).
ROW_PROBLEMS = Memo()


def check_rows(tables: dict[str, Table], report: Report) -> None:
    add = report.adder(LAYER)
    for table in tables.values():
        if not table.readable:
            continue
        key = digest([table.name, table.path, table.schema_path, table.spec.schema_path, table.spec.json_schema,
                      table.spec.common_schema, table.sha256])
        problems = ROW_PROBLEMS.get(key)
        if problems is None:
            problems = list(_table_problems(table))
            ROW_PROBLEMS.remember(key, problems)
        for problem in problems:
            add(*problem)


def _table_problems(table: Table):
    try:
        validator = row_validator(table.spec)
        quick = quick_row_test(table.spec, validator.format_checker)  # jsonschema words the errors of rows it rejects
        for row in table.rows:
            typed = typed_row(table.spec, row.cells)
            if quick is not None and quick(typed):
                continue
            for error in validator.iter_errors(typed):
                yield _coded(table, row.line, error)
    except Exception as error:  # a schema that passed layer a but cannot be applied (a '$ref' to nowhere, say)
        yield ("schema-not-applicable", table.schema_path or table.spec.schema_path, None, table.name, None,
               f"JSON Schema cannot be applied to the rows: {type(error).__name__}: {clipped(str(error))}")


def _coded(table: Table, line: int, error) -> tuple:
    code, field_name, message = _readable_error(error)
    return code, table.path, line, table.name, field_name, message
