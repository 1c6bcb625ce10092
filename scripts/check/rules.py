"""Layer (e) of the check: rules across tables, each a function that yields problems as
(path, line, table, field, message, code); a problem's code (scripts/check/codes.py) defaults to its rule's name. Rows arrive as the CSV's strings; problems that other layers already
report (a bad type, a dangling key) are left to them, so each problem is reported once."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import re2

from scripts.cells import integer_cell

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@dataclass
class Context:
    rows: dict[str, list[dict]]  # table -> rows (cells as strings)
    lines: dict[str, list[int]]  # table -> line of each row
    paths: dict[str, str]  # table -> CSV path as the descriptor names it
    seeds: dict[str, str]  # source_id -> seed text
    foreign_keys: dict[str, list[dict]]  # table -> its foreign keys (Table Schema form, resource names explicit)
    unavailable: frozenset = frozenset()  # tables the package declares but the check could not read
    primary_keys: dict = field(default_factory=dict)  # table -> its primary key's columns

    def complete(self, *tables: str) -> bool:
        """Whether the rows of these tables (of every table, when none is named) are all known: a rule that
        counts rows elsewhere says nothing rather than mistake an unreadable table for an empty one."""
        return not (self.unavailable & set(tables)) if tables else not self.unavailable

    def each(self, table: str):
        """(line, row) of a table, or nothing when the table is absent or unreadable."""
        return zip(self.lines.get(table, []), self.rows.get(table, []))

    def problem(self, table, line, field_name, message, code=None):
        return (self.paths.get(table, table), line, table, field_name, message, code)


def _parse_date(cell: str) -> date | None:
    try:
        return date.fromisoformat(cell)
    except ValueError:
        return None


def names_occur_in_seed(ctx: Context):
    """Entity rows are corpus-level (no source_id of their own): each name occurs in at least one seed."""
    for table, columns in (("persons", ("name", "other_names")), ("organizations", ("name", "other_names")),
                           ("parties", ("name", "abbreviation")), ("places", ("name", "other_names"))):
        for line, row in ctx.each(table):
            for column in columns:
                for form in filter(None, (part.strip() for part in row.get(column, "").split(";"))):
                    if not any(form in seed for seed in ctx.seeds.values()):
                        yield ctx.problem(table, line, column, f"{form!r} occurs in no seed", "name-not-in-seed")


def person_names_unique(ctx: Context):
    """No two persons of one source share a name: a person is one row per article (each row rests on one seed),
    so the same name in two articles is two rows, but twice in one article it is a duplicate."""
    owners = defaultdict(set)
    for line, row in ctx.each("persons"):
        for form in [row.get("name", "")] + row.get("other_names", "").split(";"):
            if form.strip():
                owners[row.get("source_id"), form.strip()].add(row.get("person_id"))
    # Sorted once: a form shared by thousands of rows is then named in constant time for each of them.
    shared = {key: sorted(filter(None, ids)) for key, ids in owners.items() if len(ids) > 1}
    for line, row in ctx.each("persons"):
        for column in ("name", "other_names"):
            for form in filter(None, (part.strip() for part in row.get(column, "").split(";"))):
                owners_of_form = shared.get((row.get("source_id"), form), ())
                others = [other for other in owners_of_form[:4] if other != row.get("person_id")][:3]
                if others:
                    more = len(owners_of_form) - (row.get("person_id") in owners[row.get("source_id"), form]) - len(others)
                    yield ctx.problem("persons", line, column, f"{form!r} also names {', '.join(others)}"
                                      + (f" and {more} more" if more > 0 else "") + ": one person, one row", "name-shared")
        forms = [f.strip() for f in row.get("other_names", "").split(";") if f.strip()]
        for form, count in Counter(forms).items():
            if count > 1 or form == row.get("name"):
                yield ctx.problem("persons", line, "other_names", f"{form!r} is listed twice (or repeats name)", "name-repeated")


def role_title_in_evidence(ctx: Context):
    for line, row in ctx.each("roles"):
        column = "title_as_worded" if row.get("title_as_worded") else "title"
        if row.get(column) and row[column] not in row.get("evidence", ""):
            yield ctx.problem("roles", line, column, f"{column} must be worded as in the seed: it does not occur in evidence",
                              "title-not-in-evidence")


def delegation_leaders_and_sizes(ctx: Context):
    members, leaders_of = Counter(), defaultdict(list)  # counted once, not per delegation row
    for line, row in ctx.each("delegation_members"):
        members[row.get("delegation_id")] += 1
        if row.get("role") == "leader":
            leaders_of[row.get("delegation_id")].append(row.get("person_id"))
    states = {row.get("organization_id") for _, row in ctx.each("organizations") if row.get("classification") == "state"}
    members_known = ctx.complete("delegation_members")
    for line, row in ctx.each("delegations"):
        delegation = row.get("delegation_id")
        leaders = leaders_of.get(delegation, [])
        if members_known and len(leaders) != 1:
            yield ctx.problem("delegations", line, "leader_person_id",
                              f"delegation {delegation} has {len(leaders)} members with role leader in delegation_members; it needs exactly one",
                              "leader-count")
        elif members_known and leaders[0] != row.get("leader_person_id"):
            yield ctx.problem("delegations", line, "leader_person_id",
                              f"leader_person_id is {row.get('leader_person_id')} but the member with role leader is {leaders[0]}",
                              "leader-mismatch")
        size = row.get("stated_size", "")
        stated = integer_cell(size)  # '²' is a digit to Python: a cell that is no integer is layer c's
        if stated is not None and 0 <= stated < members[delegation]:
            yield ctx.problem("delegations", line, "stated_size",
                              f"stated_size {size} is less than the {members[delegation]} named members", "stated-size-too-small")
        if ctx.rows.get("organizations") is not None and row.get("country_id") and row["country_id"] not in states:
            yield ctx.problem("delegations", line, "country_id", f"{row['country_id']} is not an organization classified as a state",
                              "country-not-state")


def _date_words_present(evidence: str, day: date) -> bool:
    return MONTHS[day.month - 1] in evidence and re.search(rf"(?<!\d){day.day}(?!\d)", evidence) is not None


def event_dates(ctx: Context):
    for line, row in ctx.each("events"):
        start_cell, end_cell = row.get("date_start", ""), row.get("date_end", "")
        start, end = _parse_date(start_cell), _parse_date(end_cell)
        if start and end and end < start:
            yield ctx.problem("events", line, "date_end", f"date_end {end_cell} is before date_start {start_cell}", "dates-reversed")
        undated = start_cell == ""
        if undated != (row.get("date_precision") == "unknown"):
            yield ctx.problem("events", line, "date_precision", "date_precision is 'unknown' exactly when date_start is empty",
                              "date-unknown-mismatch")
        if undated != (row.get("date_basis") == "unknown"):
            yield ctx.problem("events", line, "date_basis", "date_basis is 'unknown' exactly when date_start is empty",
                              "date-unknown-mismatch")
        if row.get("date_basis") == "stated":
            for column, value in (("date_start", start), ("date_end", end)):
                if value and not _date_words_present(row.get("evidence", ""), value):
                    yield ctx.problem("events", line, column,
                                      f"date_basis is stated but the evidence does not give {MONTHS[value.month - 1]} {value.day}",
                                      "stated-date-not-in-evidence")


def participants_consistent(ctx: Context):
    for line, row in ctx.each("event_participants"):
        chosen = [row.get(c) for c in ("person_id", "delegation_id", "organization_id") if row.get(c)]
        if len(chosen) == 1 and chosen[0] != row.get("participant_id"):
            yield ctx.problem("event_participants", line, "participant_id",
                              f"participant_id {row.get('participant_id')} differs from the participant {chosen[0]}",
                              "participant-id-mismatch")


QUOTATIONS = re.compile(r'"([^"]*)"|“([^”]*)”')


def _is_whole_quotation(text: str, evidence: str) -> bool:
    """text is everything inside one pair of quotation marks of evidence, but for a final comma that belongs to
    the reporting clause ('... Pakistan," according to')."""
    for match in QUOTATIONS.finditer(evidence):
        inside = match.group(1) if match.group(1) is not None else match.group(2)
        if text == inside or text + "," == inside:
            return True
    return False


def quotes_consistent(ctx: Context):
    for line, row in ctx.each("quotes"):
        text, evidence = row.get("text", ""), row.get("evidence", "")
        if text and text not in evidence:
            yield ctx.problem("quotes", line, "text", f"{row.get('kind', 'the')} quote's text does not lie inside its evidence",
                              "quote-outside-evidence")
        elif row.get("kind") == "direct" and text and not _is_whole_quotation(text, evidence):
            yield ctx.problem("quotes", line, "text", "a direct quote's text must be the whole of the words inside the quotation marks",
                              "direct-quote-not-whole")
        if row.get("responds_to_quote_id") and row.get("responds_to_quote_id") == row.get("quote_id"):
            yield ctx.problem("quotes", line, "responds_to_quote_id", "a quote cannot respond to itself", "quote-responds-to-itself")


def vocabulary_codes_used(ctx: Context):
    for table, column in (("cameo_codes", "cameo_code"), ("plover_categories", "plover_category")):
        used = {row.get(column) for _, row in ctx.each("events")}
        for line, row in ctx.each(table):
            if ctx.rows.get("events") is not None and row.get(column) not in used:
                yield ctx.problem(table, line, column, f"{row.get(column)} is used by no event: the vocabulary holds only the codes used",
                                  "vocabulary-code-unused")


# What a cell may not name (issue 11: nothing published points outside the package). File extensions of documents,
# data and code; the project's own documents that are not part of the package, by their file names' stems.
OUTSIDE_FILE_EXTENSIONS = frozenset({"md", "txt", "csv", "tsv", "json", "yaml", "yml", "cff", "pdf", "doc", "docx",
                                     "odt", "rtf", "html", "htm", "xml", "xls", "xlsx", "ods", "py", "r", "ipynb",
                                     "zip", "db", "sqlite"})
OUTSIDE_DOCUMENT_NAMES = frozenset({"GUIDE", "README", "CHANGELOG", "CONTRIBUTING", "SECURITY", "ISSUES"})
_TOKEN_EDGES = "()[]{}<>,;:.!?'\"“”‘’«»"
MAX_OUTSIDE_CANDIDATES = 20  # tokens of one cell tried against the seed: a hostile cell stays linear
# A cell in which none of these stands has no word that _outside_reference would name (each of its tests needs one
# of them in the word), so its words are not tried one by one: a 50 MB table of prose costs one search a cell.
# Run by RE2 (linear on any cell, and 16 times faster than re on this alternation of literals).
_MAY_NAME_OUTSIDE = re2.compile("|".join(
    ["://", "(?i:www\\.)", "(?i:mailto:)", "§", *sorted(OUTSIDE_DOCUMENT_NAMES),
     "(?i:\\.(?:" + "|".join(sorted(OUTSIDE_FILE_EXTENSIONS)) + "))"]))


def _outside_reference(token: str) -> str | None:
    """What kind of outside reference a whitespace-separated token is, or None."""
    word = token.strip(_TOKEN_EDGES)
    lowered = word.lower()
    if "://" in word or lowered.startswith(("www.", "mailto:")):
        return "a URL"
    if "§" in word:
        return "a section of a document"
    if word in OUTSIDE_DOCUMENT_NAMES:
        return "a document"
    stem, dot, extension = word.rpartition(".")
    if dot and stem and extension.lower() in OUTSIDE_FILE_EXTENSIONS:
        return "a file"
    return None


_SEARCHED_AT_ONCE = 1 << 22  # characters of one column searched in one RE2 call (bounds the joined copy)


def _columns_that_may_name_outside(rows: list[dict]) -> set[str]:
    """The columns in a cell of which _MAY_NAME_OUTSIDE finds something. Their cells are searched joined by NUL, a
    few MB at a time: every alternative of the pattern is a literal without NUL, so a match never spans two cells,
    and a column of prose costs one search per few MB instead of one per cell."""
    suspect = set()
    for column in dict.fromkeys(key for row in rows for key in row):
        chunk, size = [], 0
        for row in rows:
            cell = row.get(column)
            if isinstance(cell, str) and cell:
                chunk.append(cell)
                size += len(cell) + 1
                if size >= _SEARCHED_AT_ONCE:
                    if _MAY_NAME_OUTSIDE.search("\0".join(chunk)):
                        suspect.add(column)
                        break
                    chunk, size = [], 0
        else:
            if chunk and _MAY_NAME_OUTSIDE.search("\0".join(chunk)):
                suspect.add(column)
    return suspect


def cells_name_nothing_outside_the_package(ctx: Context):
    """No cell names a file or document outside the package. A cell does when one of its whitespace-separated words
    (surrounding brackets and punctuation aside) is a URL (`scheme://`, `www.`, `mailto:`), holds a section sign
    (`GUIDE §4`, `§ 4`), is the name of a project document that is not in the package (GUIDE, README, CHANGELOG,
    CONTRIBUTING, SECURITY, ISSUES: upper case, as their file names), or names a file by its extension (`notes.md`,
    `docs/a.pdf`) other than the package's own: the tables (`data/<name>.csv`), their schemas
    (`schemas/<name>.schema.json`) and the seeds that `sources` names. Words the seed itself holds are the article's
    and are never reported (a seed may quote a web address). One problem per cell, naming the first such word."""
    own_files = {path for path in ctx.paths.values() if isinstance(path, str)}
    own_files |= {f"schemas/{table}.schema.json" for table in ctx.paths}
    own_files |= {row.get("path") for _, row in ctx.each("sources") if row.get("path")}
    all_seeds = list(ctx.seeds.values())
    for table in ctx.rows:
        suspect = _columns_that_may_name_outside(ctx.rows[table])
        if not suspect:
            continue
        for line, row in ctx.each(table):
            seed = ctx.seeds.get(row.get("source_id"))
            seeds = [seed] if seed is not None else all_seeds
            for column, cell in row.items():
                if column not in suspect or not isinstance(cell, str) or not cell or not _MAY_NAME_OUTSIDE.search(cell):
                    continue
                tried = 0
                tokens = cell.split()
                for position, token in enumerate(tokens):
                    kind = _outside_reference(token)
                    word = token.strip(_TOKEN_EDGES)
                    if kind is None or word in own_files:
                        continue
                    if any(word in text for text in seeds):
                        tried += 1
                        if tried >= MAX_OUTSIDE_CANDIDATES:
                            break
                        continue
                    following = tokens[position + 1].strip(_TOKEN_EDGES) if position + 1 < len(tokens) else ""
                    if kind == "a document" and "§" in following:  # 'GUIDE §4' is shown whole
                        word = f"{word} {following}"
                    shown = word if len(word) <= 80 else word[:77] + "..."
                    yield ctx.problem(table, line, column,
                                      f"names {kind} outside the package ({shown!r}): nothing published may point "
                                      "outside it; say what is meant in the row's own words", "outside-reference")
                    break


from scripts.check import rules_model  # noqa: E402  (its rules use Context, defined above)

RULES = [names_occur_in_seed, person_names_unique, role_title_in_evidence, delegation_leaders_and_sizes, event_dates,
         participants_consistent, quotes_consistent, vocabulary_codes_used,
         cells_name_nothing_outside_the_package] + rules_model.RULES


def run_all(ctx: Context):
    """(code, path, line, table, field, message) of every problem of every rule."""
    for rule in RULES:
        for *problem, code in rule(ctx):
            yield (code or rule.__name__.replace("_", "-"), *problem)
