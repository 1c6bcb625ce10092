"""Every kind of problem the check reports, by its stable code: the code is what programs match on (the JSON
output, the tests), the message is for people and may be reworded. Modelled on frictionless-py's errors: one named
type per kind of problem, with a title and a description. Layer (b) reports Frictionless's own error types under
their Frictionless names (`foreign-key`, `primary-key`, `type-error`, ...); they are listed from Frictionless.
docs/problem-codes.md is generated from this module (python -m scripts.check.codes --check: no drift)."""
from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemType:
    code: str
    layer: str  # a-f, or "-" for input the check cannot use at all (exit 2)
    title: str
    description: str


_TYPES = [
    # ---- the descriptor cannot be used at all (exit 2)
    ProblemType("descriptor-missing", "-", "Descriptor missing", "The named datapackage.json does not exist."),
    ProblemType("descriptor-not-a-file", "-", "Descriptor is not a file",
                "The named descriptor is a directory, a device, a pipe or a socket: only a regular file is read."),
    ProblemType("descriptor-too-large", "-", "Descriptor too large", "The descriptor is larger than the check reads (16 MB)."),
    ProblemType("descriptor-unreadable", "-", "Descriptor unreadable", "The descriptor cannot be opened or read."),
    ProblemType("descriptor-not-json", "-", "Descriptor is not JSON",
                "The descriptor is not UTF-8 JSON (or uses NaN/Infinity, or nests too deeply)."),
    ProblemType("descriptor-not-an-object", "-", "Descriptor is not an object", "The descriptor is JSON but not an object."),
    ProblemType("check-timeout", "-", "Check ran out of time",
                "The check did not finish within its overall bound (the watchdog); nothing is declared valid."),
    ProblemType("check-out-of-memory", "-", "Check ran out of memory",
                "The check went past its memory bound (python -m scripts.check caps its address space); nothing is declared valid."),
    ProblemType("internal-error", "-", "Internal error", "The check itself failed: a bug to report, never a verdict."),
    # ---- (a) descriptor
    ProblemType("duplicate-key", "a", "Key twice in one object",
                "A JSON object names one key twice: JSON readers disagree on which value counts."),
    ProblemType("refused-property", "a", "Property refused",
                "A property that would make a reader fetch or read something other than the package's local UTF-8 "
                "CSV files (a custom profile, a remote dialect, a scheme, inline data, a compression, ...)."),
    ProblemType("descriptor-drift", "a", "Descriptor differs from its sources",
                "datapackage.json differs from what `make package` derives from schemas/ (package metadata, a "
                "resource's title or description, its Table Schema): run `make package`."),
    ProblemType("metadata-unreadable", "a", "Package metadata unreadable",
                "schemas/package.yaml cannot be read as plain YAML (aliases and tags are refused)."),
    ProblemType("invalid-resource", "a", "Invalid resource",
                "A resource without a usable name, with a name used twice, or without a Table Schema of fields."),
    ProblemType("missing-resource", "a", "Required resource missing",
                "The package has no `sources` or no `sentences` resource, which provenance needs."),
    ProblemType("invalid-field", "a", "Invalid field",
                "A Table Schema field without a name, of an unknown type, or declared twice."),
    ProblemType("invalid-primary-key", "a", "Invalid primary key", "primaryKey names a field the schema does not have."),
    ProblemType("invalid-foreign-key", "a", "Invalid foreign key",
                "A foreign key that is malformed or refers to a resource or field the package does not have."),
    ProblemType("unexpected-path", "a", "Unexpected path",
                "A resource's `path` is not data/<name>.csv or its `jsonschema` not schemas/<name>.schema.json: "
                "every reader of the package reads those files, so the descriptor may name no other."),
    ProblemType("schema-unusable", "a", "JSON Schema unusable",
                "A table's JSON Schema (or common.schema.json) cannot be read, is not JSON Schema 2020-12, refers "
                "outside the package, or lacks the keywords the package needs."),
    ProblemType("unsafe-pattern", "a", "Pattern refused",
                "A JSON Schema `pattern` that RE2 (linear-time regular expressions) cannot run: backreferences and "
                "lookarounds are refused, so that no cell can make a pattern backtrack for ever."),
    ProblemType("invalid-unicode", "a", "Invalid Unicode",
                "A string of the descriptor, a JSON Schema or the package metadata holds a lone surrogate (such as "
                "\\ud800), which is no character: no file, page or database can hold it."),
    ProblemType("unsafe-url", "a", "Link refused",
                "A licence, source, contributor or homepage link that is neither an http(s) URL nor a path inside the "
                "package (`javascript:`, `data:`, `file:` ... would run or read something when clicked)."),
    # ---- paths (a: the descriptor's; d: sources.path)
    ProblemType("path-is-url", "a", "Path is a URL", "A path that is a URL: only files inside the package are read, nothing is fetched."),
    ProblemType("path-outside-package", "a", "Path outside the package",
                "A path that is absolute, climbs out with '..', or leads outside the package through a symbolic link."),
    ProblemType("path-malformed", "a", "Path malformed", "A path that is not a non-empty string, or holds a backslash or a NUL."),
    ProblemType("path-missing", "a", "Path missing", "A path that names no file."),
    ProblemType("not-a-regular-file", "a", "Not a regular file",
                "A path that names a directory, a pipe, a socket or a device: only regular files are read."),
    ProblemType("file-too-large", "a", "File too large", "A file larger than the check reads (see SECURITY.md for each cap)."),
    # ---- (f) reading and CSV hygiene
    ProblemType("unreadable-file", "f", "File unreadable", "A table cannot be opened or read."),
    ProblemType("byte-order-mark", "f", "Byte-order mark", "The file starts with a UTF-8 BOM."),
    ProblemType("invalid-utf8", "f", "Invalid UTF-8", "The file is not valid UTF-8."),
    ProblemType("carriage-return", "f", "Carriage return", "A line ends in '\\r': line ends must be '\\n' only."),
    ProblemType("line-too-long", "f", "Line too long", "A line longer than the check reads (a table is read line by line)."),
    ProblemType("malformed-csv", "f", "Malformed CSV", "The CSV cannot be parsed from here on (a quoted cell never closed, a huge cell)."),
    ProblemType("bare-quote", "f", "Quotation mark in an unquoted cell", "A '\"' stands in a cell that is not quoted."),
    ProblemType("header-mismatch", "f", "Header mismatch", "The header line is not exactly the schema's fields in order."),
    ProblemType("empty-file", "f", "Empty file", "The file has not even a header line."),
    ProblemType("blank-row", "f", "Blank row", "A row with no cells or only empty ones."),
    ProblemType("cell-count", "f", "Wrong number of cells",
                "A row whose number of cells differs from the header's: it is refused before any other layer sees it."),
    ProblemType("padded-cell", "f", "Padded cell", "A cell with leading or trailing whitespace."),
    ProblemType("formula-cell", "f", "Formula-like cell",
                "A cell starting with =, +, -, @, a tab or a carriage return (or their full-width forms), which a "
                "spreadsheet would run as a formula; numbers excepted."),
    ProblemType("control-character", "f", "Control character",
                "A cell holding a control character or an invisible formatting character (bidirectional overrides, "
                "U+2028/9, U+FEFF)."),
    ProblemType("unsorted-rows", "f", "Rows not sorted", "Rows are not sorted by the primary key."),
    ProblemType("no-final-newline", "f", "No final newline", "The file does not end with a newline."),
    ProblemType("table-too-large", "f", "Table too large for the other layers",
                "The table's rows would overflow the memory the check gives the package's rows: it is read for "
                "hygiene only, and layers b-e leave it out."),
    # ---- (b) frictionless: the check's own, beside Frictionless's error types
    ProblemType("frictionless-left-out", "b", "Table left out of Frictionless",
                "A table that layer (f) found structurally broken (a header, a row's cell count, malformed CSV) is "
                "not handed to Frictionless: fix what layer (f) says first."),
    ProblemType("frictionless-failed", "b", "Frictionless failed",
                "The Frictionless validation stopped (its time or memory bound, or a crash): the package is not valid."),
    # ---- (c) rows against the JSON Schema
    ProblemType("required", "c", "Required cell empty", "A required field's cell is empty."),
    ProblemType("exactly-one-of", "c", "Exactly one of", "Exactly one of several fields must be set."),
    ProblemType("mutually-exclusive", "c", "Fields exclusive", "Two fields must not both be set."),
    ProblemType("dependent-required", "c", "Dependent field missing", "A field is set, so another must be set too."),
    ProblemType("wrong-type", "c", "Wrong type", "A cell that is not of its field's type (an integer, a boolean)."),
    ProblemType("pattern-mismatch", "c", "Pattern mismatch", "A cell that does not match its field's pattern (run under RE2)."),
    ProblemType("not-in-vocabulary", "c", "Value not allowed", "A cell that is not one of its field's allowed values."),
    ProblemType("wrong-format", "c", "Wrong format", "A cell that is not in its field's format (a date, a date-time)."),
    ProblemType("out-of-range", "c", "Out of range", "A number below its minimum or above its maximum."),
    ProblemType("wrong-length", "c", "Wrong length", "A cell shorter or longer than its field allows."),
    ProblemType("unexpected-field", "c", "Unexpected field", "A field the JSON Schema does not allow."),
    ProblemType("schema-violation", "c", "JSON Schema violation", "Any other way a row breaks its table's JSON Schema."),
    ProblemType("schema-not-applicable", "c", "JSON Schema cannot be applied", "The table's JSON Schema fails when applied to the rows."),
    # ---- (d) provenance
    ProblemType("seed-outside-seeds", "d", "Seed outside seeds/", "A sources.path that does not lie inside seeds/."),
    ProblemType("seed-shared", "d", "Seed shared", "Two sources name the same seed file, or seeds with the same bytes."),
    ProblemType("seed-unreadable", "d", "Seed unreadable", "A seed cannot be read."),
    ProblemType("hash-mismatch", "d", "sha256 mismatch", "A seed's sha256 is not the one its sources row gives."),
    ProblemType("seed-not-utf8", "d", "Seed not UTF-8", "A seed is not valid UTF-8."),
    ProblemType("seed-header-unreadable", "d", "Seed header unreadable", "A seed lacks its headline and three header lines."),
    ProblemType("source-header-mismatch", "d", "Source differs from its seed's header",
                "A sources row's title, author, published or section is not what its seed's header lines give."),
    ProblemType("span-invalid", "d", "Span invalid", "A span that is empty, reversed, or outside its seed's text."),
    ProblemType("sentence-mismatch", "d", "Sentence text mismatch", "A sentence's text is not its seed's span."),
    ProblemType("sentence-crosses-line", "d", "Sentence crosses a line", "A sentence runs over the end of a line of its seed."),
    ProblemType("paragraph-mismatch", "d", "Paragraph mismatch", "A sentence's paragraph is not the seed line it lies on."),
    ProblemType("headline-mismatch", "d", "Headline mismatch", "The sentence on the seed's first line, and only it, is of kind headline."),
    ProblemType("position-mismatch", "d", "Position mismatch", "A sentence's position is not its place in its seed."),
    ProblemType("sentence-id-mismatch", "d", "Sentence id mismatch", "A sentence_id is not made of its source and position."),
    ProblemType("sentence-overlap", "d", "Sentences overlap", "Two sentences of a seed overlap."),
    ProblemType("text-not-covered", "d", "Text in no sentence", "Text of the seed lies in no sentence."),
    ProblemType("evidence-mismatch", "d", "Evidence mismatch", "A row's evidence is not its seed's span [evidence_start:evidence_end]."),
    ProblemType("evidence-other-source", "d", "Evidence in another source", "A row's sentence belongs to another source than its own."),
    ProblemType("evidence-outside-sentence", "d", "Evidence outside its sentence", "A row's evidence does not start in its sentence."),
    # ---- (e) rules across tables (scripts/check/rules.py)
    ProblemType("name-not-in-seed", "e", "Name not in the seed", "A name, other name or abbreviation that does not occur in the seed."),
    ProblemType("name-shared", "e", "Name shared", "Two persons of one source share a name: one person, one row."),
    ProblemType("name-repeated", "e", "Name repeated", "An other name listed twice or repeating the name."),
    ProblemType("title-not-in-evidence", "e", "Title not in evidence", "A role's title is not worded as in its evidence."),
    ProblemType("leader-count", "e", "Leaders of a delegation", "A delegation needs exactly one member with role leader."),
    ProblemType("leader-mismatch", "e", "Leader mismatch", "leader_person_id is not the member with role leader."),
    ProblemType("stated-size-too-small", "e", "Stated size too small", "A delegation's stated_size is less than its named members."),
    ProblemType("country-not-state", "e", "Country not a state", "A delegation's country_id is not an organization classified as a state."),
    ProblemType("dates-reversed", "e", "Dates reversed", "date_end is before date_start."),
    ProblemType("date-unknown-mismatch", "e", "Unknown date mismatch",
                "date_precision and date_basis are 'unknown' exactly when date_start is empty."),
    ProblemType("stated-date-not-in-evidence", "e", "Stated date not in evidence",
                "date_basis is stated but the evidence does not give the date."),
    ProblemType("participant-id-mismatch", "e", "Participant id mismatch", "participant_id differs from the participant it names."),
    ProblemType("outside-reference", "e", "Reference outside the package",
                "A cell names a file or document outside the package (a URL, 'GUIDE §4', README, a file by its "
                "extension other than the package's own): nothing published may point outside it."),
    ProblemType("quote-outside-evidence", "e", "Quote outside evidence", "A quote's text does not lie inside its evidence."),
    ProblemType("direct-quote-not-whole", "e", "Direct quote not whole",
                "A direct quote's text is not the whole of the words inside the quotation marks."),
    ProblemType("quote-responds-to-itself", "e", "Quote responds to itself", "A quote cannot respond to itself."),
    ProblemType("mention-missing", "e", "Mention missing",
                "An occurrence in a seed of an entity's name or other name lies inside no mention of that entity (mark "
                "an occurrence that is not a mention on the covering mention's note: 'not a mention of <id>')."),
    ProblemType("mention-repeated", "e", "Mention repeated", "Two mentions of one entity have the same span."),
    ProblemType("mentions-cross", "e", "Mentions cross",
                "Mentions of different entities overlap without one lying inside the other."),
    ProblemType("entity-without-mention", "e", "Entity without mention", "Every entity is mentioned at least once."),
    ProblemType("name-not-unique", "e", "Name not unique", "A name or other name belongs to two entities of one table across the corpus."),
    ProblemType("edtf-missing", "e", "EDTF date missing", "An occurred or dated event has no date_edtf."),
    ProblemType("edtf-invalid", "e", "EDTF date invalid", "date_edtf is not a valid EDTF level 0-1 date or interval."),
    ProblemType("edtf-disagrees", "e", "EDTF date disagrees", "date_start or date_end disagrees with date_edtf."),
    ProblemType("edtf-after-publication", "e", "Occurred event after publication",
                "An occurred event is open-ended or ends after its source's publication date."),
    ProblemType("planned-coded-as-held", "e", "Planned event coded as held",
                "A planned or expected event carries the CAMEO code of an action held (only intent codes 03... apply)."),
    ProblemType("gazetteer-unavailable", "e", "Gazetteer unavailable", "The gazetteer package cannot be loaded."),
    ProblemType("gazetteer-version", "e", "Gazetteer version differs", "A place was matched with another version of the gazetteer than the installed one."),
    ProblemType("gazetteer-id-unknown", "e", "Gazetteer id unknown", "A geonames_id the gazetteer does not have."),
    ProblemType("gazetteer-mismatch", "e", "Gazetteer mismatch", "A place's name, coordinates or country differ from the gazetteer's record."),
    ProblemType("row-key-missing", "e", "Row key missing", "A citations or source_note_rows row names a row that does not exist."),
    ProblemType("quote-event-missing", "e", "Quote event missing", "A quote's event_id has no quote_events row."),
    ProblemType("quote-relation-missing", "e", "Quote relation missing", "A quote's responds_to_quote_id has no 'disputes' quote_relations row."),
    ProblemType("vocabulary-code-unused", "e", "Vocabulary code unused", "A vocabulary holds only the codes some event uses."),
]
CHECK_TYPES: dict[str, ProblemType] = {t.code: t for t in _TYPES}
assert len(CHECK_TYPES) == len(_TYPES), "a code is registered twice"


def frictionless_types() -> dict[str, ProblemType]:
    """Frictionless's error types, as layer (b) reports them (their code is Frictionless's `type`)."""
    from frictionless import errors

    found = {}
    for name in dir(errors):
        error = getattr(errors, name)
        code = getattr(error, "type", None)
        if isinstance(error, type) and isinstance(code, str) and code not in found and code != "error":
            found[code] = ProblemType(code, "b", error.title, error.description)
    return dict(sorted(found.items()))


def problem_type(code: str) -> ProblemType | None:
    return CHECK_TYPES.get(code)


DOCS_PAGE = "docs/problem-codes.md"
LAYER_TITLES = {"-": "Input that cannot be checked (exit status 2)", "a": "(a) descriptor", "b": "(b) frictionless",
                "c": "(c) rows (JSON Schema)", "d": "(d) provenance", "e": "(e) rules across tables", "f": "(f) CSV hygiene"}


def render_docs(root=".") -> str:
    def row(t: ProblemType) -> str:
        description = t.description.replace("|", "\\|")
        return f"| `{t.code}` | {t.title} | {description} |"

    lines = ["# Problem codes of the check", "",
             "<!-- Generated by scripts/check/codes.py: edit the registry there, then "
             "`python -m scripts.check.codes`. -->", "",
             "Every problem `python -m scripts.check` reports carries one of these codes: in the text output as "
             "`path:line: [table.field] code: message`, in `--format json` as the problem's `code`. Codes are "
             "stable; messages are for people and may be reworded.", ""]
    for layer, title in LAYER_TITLES.items():
        lines += [f"## {title}", "", "| code | title | meaning |", "| --- | --- | --- |"]
        lines += [row(t) for t in _TYPES if t.layer == layer]
        if layer == "b":
            lines += [row(t) for t in frictionless_types().values()]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv=None) -> int:
    from scripts.generated import generator_main

    return generator_main(argv, __doc__, DOCS_PAGE, render_docs, "scripts/check/codes.py")


if __name__ == "__main__":
    sys.exit(main())
