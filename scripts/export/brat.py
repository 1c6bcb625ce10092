"""The article as a brat standoff document (https://brat.nlplab.org/standoff.html), for NLP tools that load gold
annotations: brat/<source_id>.txt is the seed's text unchanged (so every offset holds) and brat/<source_id>.ann
its annotations; brat/annotation.conf declares every type used, so brat itself opens the folder.

- T (text-bound): every mention of an entity (Person, Organization, Party, Place, Delegation), or, while the
  package has no mentions table, each entity's own evidence span; every quote (Quote) and the evidence of every
  event (its trigger, EventTrigger). A span that crosses a line break is written as fragments (brat's "0 5;6 9").
- E (events): each event, with its participants as arguments named after their role (Actor, Target, Host, ...;
  Actor2 for a second actor), each pointing at the participant's mention nearest to the event's evidence, and
  its places (Place, from event_places) pointing at the place's mention nearest to the span that places it.
- R (relations): Speaker (quote -> its speaker), QuoteOf (quote -> its event), ReportedBy (quote -> the outlet)
  and, where the package has them, the relations between quotes (quote_relations: Supports, Disputes, ...) and
  between events (event_relations: InResponseTo, PartOf, ...), between their spans.
- A (attributes): MentionKind on mentions, QuoteKind on quotes, Status, CAMEO and PLOVER on events.
- #: AnnotatorNotes give each annotation's table and row key, so a tool can find the row it came from.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from scripts.export import ENTITY_TYPES, MENTIONS, PackageData

FOLDER = "brat"
QUOTE, TRIGGER, EVENT = "Quote", "EventTrigger", "Event"


@dataclass
class Document:
    """The annotations of one source, numbered as brat wants (T1, E1, R1, A1, #1)."""
    text: str
    lines: list[str] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    anchors: dict[tuple[str, str], list[tuple[int, int, str]]] = field(default_factory=lambda: defaultdict(list))
    types: dict[str, set] = field(default_factory=lambda: defaultdict(set))  # conf section -> names used

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] += 1
        return f"{prefix}{self.counters[prefix]}"

    def text_bound(self, kind: str, start: int, end: int, table: str, key: str) -> str:
        """A T line; a span over line breaks becomes fragments, each without its leading or trailing space."""
        fragments = [(start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", self.text[start:end])]
        fragments = [(a + len(self.text[a:b]) - len(self.text[a:b].lstrip()), b - len(self.text[a:b]) +
                      len(self.text[a:b].rstrip())) for a, b in fragments]
        fragments = [(a, b) for a, b in fragments if b > a]
        tid = self.next_id("T")
        offsets = ";".join(f"{a} {b}" for a, b in fragments)
        words = " ".join(self.text[a:b] for a, b in fragments)
        self.lines.append(f"{tid}\t{kind} {offsets}\t{words}")
        self.note(tid, f"{table} {key}")
        self.anchors[table, key].append((start, end, tid))
        return tid

    def note(self, annotation_id: str, text: str) -> None:
        self.lines.append(f"{self.next_id('#')}\tAnnotatorNotes {annotation_id}\t{text}")

    def attribute(self, name: str, annotation_id: str, value, kind: str) -> None:
        if value not in (None, ""):
            self.lines.append(f"{self.next_id('A')}\t{name} {annotation_id} {value}")
            self.types["attributes", name, kind].add(str(value))

    def relation(self, name: str, arg1: str, arg2: str, kinds: tuple[str, str]) -> None:
        self.lines.append(f"{self.next_id('R')}\t{name} Arg1:{arg1} Arg2:{arg2}")
        self.types["relations", name].add(kinds)

    def nearest(self, table: str, key: str, start: int, end: int) -> str | None:
        """The T of the row's span inside [start, end], else the one nearest to it; None if it has none here."""
        spans = self.anchors.get((table, key))
        if not spans:
            return None
        inside = [s for s in spans if s[0] >= start and s[1] <= end]
        best = min(inside or spans, key=lambda s: (abs(s[0] - start), s[0]))
        return best[2]


def entity_spans(data: PackageData, source_id: str) -> list[tuple[str, str, str, dict]]:
    """(entity table, entity id, type, row with the span) for every mention of the source; without a mentions
    table, each entity row's own evidence stands for its mention."""
    found = []
    if data.has_table(MENTIONS):
        for mention in data.table(MENTIONS):
            if mention["source_id"] == source_id:
                table, entity_id = data.mention_entity(mention)
                found.append((table, entity_id, ENTITY_TYPES[table][1], mention))
        return found
    for table, (column, kind) in ENTITY_TYPES.items():
        if data.has_table(table) and "evidence_start" in data.spec.table(table).field_names:
            found += [(table, row[column], kind, row) for row in data.table(table) if row["source_id"] == source_id]
    return found


def role_name(role: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", role) if part) or "Participant"


def document(data: PackageData, source_id: str) -> Document:
    doc = Document(data.texts[source_id])
    for table, entity_id, kind, row in sorted(entity_spans(data, source_id),
                                              key=lambda item: (item[3]["evidence_start"], item[3]["evidence_end"])):
        key = row.get("mention_id", entity_id)
        tid = doc.text_bound(kind, row["evidence_start"], row["evidence_end"], MENTIONS if "mention_id" in row
                             else table, key)
        if "mention_id" in row:  # participants and speakers point at the entity's mentions
            doc.anchors[table, entity_id].append((row["evidence_start"], row["evidence_end"], tid))
        doc.types["entities", kind].add(kind)
        doc.attribute("MentionKind", tid, row.get("mention_kind"), kind)

    events = [row for row in data.table("events") if row["source_id"] == source_id]
    participants = defaultdict(list)
    for row in data.table("event_participants"):
        participants[row["event_id"]].append(row)
    places = defaultdict(list)
    for row in data.table("event_places"):
        places[row["event_id"]].append(row)
    triggers = {}
    for event in events:
        trigger = doc.text_bound(TRIGGER, event["evidence_start"], event["evidence_end"], "events", event["event_id"])
        triggers[event["event_id"]] = trigger
        eid = doc.next_id("E")
        arguments, used = [], defaultdict(int)
        for participant in participants[event["event_id"]]:
            table = next(t for t, (column, _) in ENTITY_TYPES.items() if participant.get(column))
            anchor = doc.nearest(table, participant[ENTITY_TYPES[table][0]], event["evidence_start"],
                                 event["evidence_end"])
            if anchor is None:
                continue  # the participant is not mentioned in this source
            role = role_name(participant["role"])
            used[role] += 1
            arguments.append(f"{role}{used[role] if used[role] > 1 else ''}:{anchor}")
            doc.types["events", role].add(ENTITY_TYPES[table][1])
        for link in places[event["event_id"]]:
            anchor = doc.nearest("places", link["place_id"], link["evidence_start"], link["evidence_end"])
            if anchor is not None:
                used["Place"] += 1
                arguments.append(f"Place{used['Place'] if used['Place'] > 1 else ''}:{anchor}")
                doc.types["events", "Place"].add(ENTITY_TYPES["places"][1])
        doc.lines.append(f"{eid}\t{EVENT}:{trigger}" + "".join(f" {a}" for a in arguments))
        doc.note(eid, f"events {event['event_id']}")
        for name, column in (("Status", "status"), ("CAMEO", "cameo_code"), ("PLOVER", "plover_category")):
            doc.attribute(name, eid, event.get(column), "<EVENT>")

    for quote in data.table("quotes"):
        if quote["source_id"] != source_id:
            continue
        start, end = quote["evidence_start"], quote["evidence_end"]
        tid = doc.text_bound(QUOTE, start, end, "quotes", quote["quote_id"])
        doc.types["entities", QUOTE].add(QUOTE)
        doc.attribute("QuoteKind", tid, quote["kind"], QUOTE)
        for name, table, column in (("Speaker", "persons", "speaker_person_id"),
                                    ("Speaker", "organizations", "speaker_organization_id"),
                                    ("ReportedBy", "organizations", "reported_by_organization_id")):
            anchor = quote.get(column) and doc.nearest(table, quote[column], start, end)
            if anchor:
                doc.relation(name, tid, anchor, (QUOTE, ENTITY_TYPES[table][1]))
        for event_id in quote_event_ids(data, quote):
            if event_id in triggers:
                doc.relation("QuoteOf", tid, triggers[event_id], (QUOTE, TRIGGER))

    quote_spans = {key: spans[0][2] for (table, key), spans in doc.anchors.items() if table == "quotes"}
    for relation in data.table("quote_relations"):
        first, second = quote_spans.get(relation["quote_id"]), quote_spans.get(relation["related_quote_id"])
        if first and second:
            doc.relation(role_name(relation["relation"]), first, second, (QUOTE, QUOTE))
    for relation in data.table("event_relations"):
        first, second = triggers.get(relation["event_id"]), triggers.get(relation["related_event_id"])
        if first and second:
            doc.relation(role_name(relation["relation"]), first, second, (TRIGGER, TRIGGER))
    return doc


def quote_event_ids(data: PackageData, quote: dict) -> list[str]:
    linked = [quote["event_id"]] if quote.get("event_id") else []
    linked += [row["event_id"] for row in data.table("quote_events") if row["quote_id"] == quote["quote_id"]]
    return list(dict.fromkeys(linked))


def annotation_conf(documents: list[Document]) -> str:
    used = defaultdict(set)
    for doc in documents:
        for key, values in doc.types.items():
            used[key] |= values
    entities = sorted({key[1] for key in used if key[0] == "entities"} | {TRIGGER})
    relations = [f"{key[1]}\tArg1:{'|'.join(sorted({a for a, _ in used[key]}))}, "
                 f"Arg2:{'|'.join(sorted({b for _, b in used[key]}))}"
                 for key in sorted(k for k in used if k[0] == "relations")]
    roles = ", ".join(f"{key[1]}*:{'|'.join(sorted(used[key]))}"
                      for key in sorted(k for k in used if k[0] == "events"))
    # brat requires each attribute name once: merge the argument types of a name used on several types
    merged = {}
    for key in sorted(k for k in used if k[0] == "attributes"):
        args, values = merged.setdefault(key[1], (set(), set()))
        args.add(key[2])
        values |= used[key]
    attributes = [f"{name}\tArg:{'|'.join(sorted(args))}, Value:{'|'.join(sorted(values))}"
                  for name, (args, values) in sorted(merged.items())]
    return "\n".join([
        "# Generated by scripts/export/brat.py: the types of the annotations beside it.",
        "[entities]", *entities,
        "[relations]", *relations, "<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>",
        "[events]", f"{EVENT}\t{roles}" if roles else EVENT,
        "[attributes]", *attributes, ""])


def render(data: PackageData) -> dict[str, str]:
    files, documents = {}, []
    for source in data.sources:
        doc = document(data, source["source_id"])
        documents.append(doc)
        files[f"{FOLDER}/{source['source_id']}.txt"] = source["text"]
        files[f"{FOLDER}/{source['source_id']}.ann"] = "\n".join(doc.lines) + "\n"
    files[f"{FOLDER}/annotation.conf"] = annotation_conf(documents)
    return files
