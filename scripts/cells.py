"""What a CSV cell of the package holds, read one way everywhere (the check, the rules, the SQLite build):
an integer is ASCII digits with an optional '-' (Python's int() also takes '３', ' 7 ' and '1_000'), a boolean
is exactly 'true' or 'false', and an empty cell is a missing value."""
from __future__ import annotations

import re

INTEGER = re.compile(r"-?[0-9]{1,18}")  # 18 digits: any integer a cell may hold fits SQLite's 64 bits
DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")  # no exponent, no 'nan' or 'inf': what float() also takes
BOOLEANS = {"true": True, "false": False}


def integer_cell(cell: str) -> int | None:
    """The integer an integer cell holds, or None when it holds none."""
    return int(cell) if INTEGER.fullmatch(cell) else None


def number_cell(cell: str) -> float | None:
    """The number a number cell holds (a plain ASCII decimal), or None when it holds none."""
    return float(cell) if DECIMAL.fullmatch(cell) else None


def boolean_cell(cell: str) -> bool | None:
    return BOOLEANS.get(cell)


def typed_cell(field_type: str, cell: str):
    """A cell as the value its Table Schema type says, or the cell itself when it does not parse (so that a
    validator can say what is wrong with it); None for an empty cell."""
    if cell == "":
        return None
    if field_type == "integer":
        number = integer_cell(cell)
        return cell if number is None else number
    if field_type == "boolean":
        value = boolean_cell(cell)
        return cell if value is None else value
    if field_type == "number":
        number = number_cell(cell)
        return cell if number is None else number
    return cell
