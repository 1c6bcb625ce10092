"""Layer (e) of the check: rules across tables, each a function that yields problems as
(path, line, table, field, message). Rows arrive as the CSV's strings; problems that other layers already
report (a bad type, a dangling key) are left to them, so each problem is reported once."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

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

    def problem(self, table, line, field_name, message):
        return (self.paths.get(table, table), line, table, field_name, message)


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
                        yield ctx.problem(table, line, column, f"{form!r} occurs in no seed")


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
                                      + (f" and {more} more" if more > 0 else "") + ": one person, one row")
        forms = [f.strip() for f in row.get("other_names", "").split(";") if f.strip()]
        for form, count in Counter(forms).items():
            if count > 1 or form == row.get("name"):
                yield ctx.problem("persons", line, "other_names", f"{form!r} is listed twice (or repeats name)")


def role_title_in_evidence(ctx: Context):
    for line, row in ctx.each("roles"):
        column = "title_as_worded" if row.get("title_as_worded") else "title"
        if row.get(column) and row[column] not in row.get("evidence", ""):
            yield ctx.problem("roles", line, column, f"{column} must be worded as in the seed: it does not occur in evidence")


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
                              f"delegation {delegation} has {len(leaders)} members with role leader in delegation_members; it needs exactly one")
        elif members_known and leaders[0] != row.get("leader_person_id"):
            yield ctx.problem("delegations", line, "leader_person_id",
                              f"leader_person_id is {row.get('leader_person_id')} but the member with role leader is {leaders[0]}")
        size = row.get("stated_size", "")
        # '²' is a digit to Python, and 5,000 digits are too many for int(): both are layer c's
        if size.isascii() and size.isdigit() and len(size) < 19 and int(size) < members[delegation]:
            yield ctx.problem("delegations", line, "stated_size",
                              f"stated_size {size} is less than the {members[delegation]} named members")
        if ctx.rows.get("organizations") is not None and row.get("country_id") and row["country_id"] not in states:
            yield ctx.problem("delegations", line, "country_id", f"{row['country_id']} is not an organization classified as a state")


def _date_words_present(evidence: str, day: date) -> bool:
    return MONTHS[day.month - 1] in evidence and re.search(rf"(?<!\d){day.day}(?!\d)", evidence) is not None


def event_dates(ctx: Context):
    for line, row in ctx.each("events"):
        start_cell, end_cell = row.get("date_start", ""), row.get("date_end", "")
        start, end = _parse_date(start_cell), _parse_date(end_cell)
        if start and end and end < start:
            yield ctx.problem("events", line, "date_end", f"date_end {end_cell} is before date_start {start_cell}")
        undated = start_cell == ""
        if undated != (row.get("date_precision") == "unknown"):
            yield ctx.problem("events", line, "date_precision", "date_precision is 'unknown' exactly when date_start is empty")
        if undated != (row.get("date_basis") == "unknown"):
            yield ctx.problem("events", line, "date_basis", "date_basis is 'unknown' exactly when date_start is empty")
        if row.get("date_basis") == "stated":
            for column, value in (("date_start", start), ("date_end", end)):
                if value and not _date_words_present(row.get("evidence", ""), value):
                    yield ctx.problem("events", line, column,
                                      f"date_basis is stated but the evidence does not give {MONTHS[value.month - 1]} {value.day}")


def participants_consistent(ctx: Context):
    for line, row in ctx.each("event_participants"):
        chosen = [row.get(c) for c in ("person_id", "delegation_id", "organization_id") if row.get(c)]
        if len(chosen) == 1 and chosen[0] != row.get("participant_id"):
            yield ctx.problem("event_participants", line, "participant_id",
                              f"participant_id {row.get('participant_id')} differs from the participant {chosen[0]}")


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
            yield ctx.problem("quotes", line, "text", f"{row.get('kind', 'the')} quote's text does not lie inside its evidence")
        elif row.get("kind") == "direct" and text and not _is_whole_quotation(text, evidence):
            yield ctx.problem("quotes", line, "text", "a direct quote's text must be the whole of the words inside the quotation marks")
        if row.get("responds_to_quote_id") and row.get("responds_to_quote_id") == row.get("quote_id"):
            yield ctx.problem("quotes", line, "responds_to_quote_id", "a quote cannot respond to itself")


def vocabulary_codes_used(ctx: Context):
    for table, column in (("cameo_codes", "cameo_code"), ("plover_categories", "plover_category")):
        used = {row.get(column) for _, row in ctx.each("events")}
        for line, row in ctx.each(table):
            if ctx.rows.get("events") is not None and row.get(column) not in used:
                yield ctx.problem(table, line, column, f"{row.get(column)} is used by no event: the vocabulary holds only the codes used")


from scripts import rules_model  # noqa: E402  (its rules use Context, defined above)

RULES = [names_occur_in_seed, person_names_unique, role_title_in_evidence, delegation_leaders_and_sizes, event_dates,
         participants_consistent, quotes_consistent, vocabulary_codes_used] + rules_model.RULES


def run_all(ctx: Context):
    for rule in RULES:
        yield from rule(ctx)
