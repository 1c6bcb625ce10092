"""Stage "Datasette", the entity pages: everything the database knows of one person, organization, party, place,
delegation or event, each fact with the words of the seed that support it.

datasette/plugins/article.py serves them at /person/<id>, /organization/<id>, /party/<id>, /place/<id>,
/delegation/<id> and /event/<id>; this module gathers a page's facts from the SQLite database only (Datasette's
read-only connection) and leaves every address to the plugin's `links`. Each fact is an Item: parts of text and
links, and its evidence: the spans that support it, each linking to its place in the annotated article. The
template (datasette/templates/entity.html) escapes every value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from scripts.entity_kinds import ENTITY_KINDS

EVENT_ROUTE = "event"
EVIDENCE_COLUMNS = "source_id, sentence_id, evidence_start, evidence_end, evidence"


class Links(Protocol):
    def entity(self, table: str, entity_id: str) -> str: ...
    def row(self, table: str, key: str) -> str: ...
    def span(self, source_id: str, start: int, end: int) -> str: ...
    def article(self, source_id: str, entity: str | None = None) -> str: ...


@dataclass
class Item:
    parts: list[dict] = field(default_factory=list)  # {"text"} | {"text", "url"} | {"quote"}
    evidence: list[dict] = field(default_factory=list)  # {"text", "url", "credit"}
    note: str | None = None

    def text(self, text) -> "Item":
        if text not in (None, ""):
            self.parts.append({"text": str(text)})
        return self

    def link(self, text, url: str) -> "Item":
        self.parts.append({"text": str(text), "url": url})
        return self

    def quote(self, text: str) -> "Item":
        self.parts.append({"quote": text})
        return self


@dataclass
class Section:
    title: str
    items: list[Item]
    id: str = ""


class Gatherer:
    """The facts of one entity, from the database (a datasette.database.Database)."""

    def __init__(self, database, links: Links, kinds: dict):
        self.database, self.links, self.kinds = database, links, kinds
        self.tables: set[str] = set()
        self.names: dict[tuple[str, str], str] = {}

    async def rows(self, sql: str, params=()) -> list[dict]:
        return [dict(row) for row in (await self.database.execute(sql, list(params))).rows]

    async def prepare(self) -> None:
        self.tables = set(await self.database.table_names())
        for table, kind in self.kinds.items():
            if table in self.tables:
                for row in await self.rows(f'select "{kind["key"]}" as id, name from "{table}"'):
                    self.names[table, row["id"]] = row["name"]
        if "events" in self.tables:
            for row in await self.rows("select event_id, description from events"):
                self.names["events", row["event_id"]] = row["description"]

    def entity_link(self, item: Item, table: str, entity_id: str | None) -> Item:
        if not entity_id:
            return item
        return item.link(self.names.get((table, entity_id), entity_id), self.links.entity(table, entity_id))

    def evidence(self, row: dict, credit: str | None = None) -> dict:
        return {"text": row["evidence"], "url": self.links.span(row["source_id"], row["evidence_start"],
                                                                 row["evidence_end"]), "credit": credit}

    async def citations(self, table: str, key: str, column: str | None = None) -> list[dict]:
        """The spans that support a row (or one of its columns) of a table without evidence of its own, or restate
        a fact: the citations table."""
        if "citations" not in self.tables:
            return []
        sql = "select c.*, o.name as credited from citations c left join organizations o on " \
              "o.organization_id = c.credited_organization_id where c.table_name = ? and c.row_key = ?"
        params = [table, key]
        if column is not None:
            sql += " and coalesce(c.column_name, '') = ?"
            params.append(column)
        return [self.evidence(row, row["credited"]) for row in await self.rows(sql + " order by evidence_start",
                                                                                params)]

    async def with_citations(self, item: Item, table: str, key: str, row: dict | None = None) -> Item:
        if row is not None and row.get("evidence") is not None:
            item.evidence.append(self.evidence(row))
        known = {(e["url"]) for e in item.evidence}
        item.evidence += [e for e in await self.citations(table, key) if e["url"] not in known]
        return item

    # ------------------------------------------------------------ sections shared by every kind

    async def mentions(self, column: str, entity_id: str) -> Section:
        items = []
        if "mentions" in self.tables:
            for row in await self.rows(
                    f"select m.*, s.text as sentence, s.start as sentence_start from mentions m "
                    f"join sentences s on s.sentence_id = m.sentence_id where m.\"{column}\" = ? "
                    f"order by m.source_id, m.evidence_start", [entity_id]):
                start = row["evidence_start"] - row["sentence_start"]
                end = row["evidence_end"] - row["sentence_start"]
                item = Item(note=row.get("note"))
                item.parts = [{"text": row["sentence"][:start]},
                              {"mark": row["sentence"][start:end],
                               "url": self.links.span(row["source_id"], row["evidence_start"], row["evidence_end"])},
                              {"text": row["sentence"][end:]}, {"kind": row["mention_kind"]}]
                items.append(item)
        return Section(f"Mentions ({len(items)})", items, "mentions")

    async def source_notes(self, table: str, key: str) -> Section:
        items = []
        if "source_note_rows" in self.tables:
            for row in await self.rows(
                    "select n.* from source_note_rows r join source_notes n on n.note_id = r.note_id "
                    "where r.table_name = ? and r.row_key = ? order by n.evidence_start", [table, key]):
                items.append(Item(evidence=[self.evidence(row)]).text(f"{row['kind']}: ").text(row["description"])
                             .link(row["note_id"], self.links.row("source_notes", row["note_id"])))
        return Section("Notes on the source", items, "source-notes")

    async def events_of(self, where: str, params) -> list[Item]:
        """Events, dated and placed, with the participant rows that tie them to the entity as evidence."""
        items = []
        for row in await self.rows(
                f"select p.role, p.note as participant_note, p.{EVIDENCE_COLUMNS.replace(', ', ', p.')}, "
                f"e.event_id, e.date_edtf, e.status, e.description from event_participants p "
                f"join events e on e.event_id = p.event_id where {where} order by e.date_start, e.event_id", params):
            item = Item(note=row["participant_note"], evidence=[self.evidence(row)])
            self.entity_link(item.text(f"{row['role']} in "), "events", row["event_id"])
            item.text(f" — {row['date_edtf'] or 'undated'}, {row['status']}")
            items.append(item)
        return items

    async def quotes(self, where: str, params) -> list[Item]:
        items = []
        for row in await self.rows(f"select * from quotes where {where} order by evidence_start", params):
            item = await self.with_citations(Item(note=row["note"]), "quotes", row["quote_id"], row)
            if row["kind"] == "direct":
                item.quote(row["text"])
            else:
                item.text(f"(reported speech) {row['text']}")
            item.link("the quote's row", self.links.row("quotes", row["quote_id"]))
            items.append(item)
        return items

    async def roles_in(self, column: str, value: str) -> list[Item]:
        """The roles held in an organization or a party: who, which title, current or former."""
        roles = []
        for role in await self.rows(f'select * from roles where "{column}" = ? order by role_id', [value]):
            item = self.entity_link(Item(note=role["note"]), "persons", role["person_id"])
            roles.append(await self.with_citations(item.text(f": {role['title']} ({role['status']})"), "roles",
                                                   role["role_id"], role))
        return roles

    # ------------------------------------------------------------ one page per kind

    async def header_facts(self, table: str, key_column: str, entity_id: str) -> tuple[dict, list[Item]] | None:
        rows = await self.rows(f'select * from "{table}" where "{key_column}" = ?', [entity_id])
        if not rows:
            return None
        row, facts = rows[0], []
        if row.get("other_names"):
            facts.append(Item().text("Also named: " + "; ".join(n.strip() for n in row["other_names"].split(";"))))
        return row, facts

    async def person(self, person_id: str) -> dict | None:
        found = await self.header_facts("persons", "person_id", person_id)
        if found is None:
            return None
        row, facts = found
        if row.get("party_id"):
            item = self.entity_link(Item().text("Party: "), "parties", row["party_id"])
            item.evidence = await self.citations("persons", person_id, "party_id")
            facts.append(item)
        roles = []
        for role in await self.rows("select * from roles where person_id = ? order by role_id", [person_id]):
            item = Item(note=role["note"]).text(f"{role['title']} ({role['status']})")
            if role["organization_id"]:
                self.entity_link(item.text(" — "), "organizations", role["organization_id"])
            if role["party_id"]:
                self.entity_link(item.text(" — "), "parties", role["party_id"])
            roles.append(await self.with_citations(item, "roles", role["role_id"], role))
        delegations = []
        for member in await self.rows("select * from delegation_members where person_id = ?", [person_id]):
            item = Item(note=member["note"]).text(f"{member['role']} of ")
            self.entity_link(item, "delegations", member["delegation_id"])
            fellows = await self.rows(
                "select person_id, role from delegation_members where delegation_id = ? and person_id <> ? "
                "order by role <> 'leader', person_id", [member["delegation_id"], person_id])
            if fellows:
                item.text(" with ")
                for n, fellow in enumerate(fellows):
                    self.entity_link(item.text(", " if n else ""), "persons", fellow["person_id"])
                    if fellow["role"] == "leader":
                        item.text(" (leader)")
            key = f"{member['delegation_id']}/{person_id}"
            delegations.append(await self.with_citations(item, "delegation_members", key, member))
        return {"kind": "Person", "table": "persons", "row": row, "facts": facts, "sections": [
            await self.mentions("person_id", person_id),
            Section("Roles", roles, "roles"),
            Section("Delegations and fellow members", delegations, "delegations"),
            Section("Events", await self.events_of("p.person_id = ?", [person_id]), "events"),
            Section("Quotes", await self.quotes("speaker_person_id = ?", [person_id]), "quotes"),
            await self.source_notes("persons", person_id)]}

    async def organization(self, organization_id: str) -> dict | None:
        found = await self.header_facts("organizations", "organization_id", organization_id)
        if found is None:
            return None
        row, facts = found
        facts.append(Item().text(f"Classification: {row['classification']}"))
        roles = await self.roles_in("organization_id", organization_id)
        delegations = []
        for delegation in await self.rows("select * from delegations where country_id = ?", [organization_id]):
            delegations.append(await self.with_citations(
                self.entity_link(Item(), "delegations", delegation["delegation_id"]), "delegations",
                delegation["delegation_id"], delegation))
        places = [self.entity_link(Item(), "places", place["place_id"]) for place in
                  await self.rows("select place_id from places where country_id = ?", [organization_id])]
        return {"kind": "Organization", "table": "organizations", "row": row, "facts": facts, "sections": [
            await self.mentions("organization_id", organization_id),
            Section("Roles in it", roles, "roles"),
            Section("Its delegations", delegations, "delegations"),
            Section("Events", await self.events_of("p.organization_id = ?", [organization_id]), "events"),
            Section("Quotes", await self.quotes("speaker_organization_id = ?", [organization_id]), "quotes"),
            Section("Quotes it reported", await self.quotes("reported_by_organization_id = ?", [organization_id]),
                    "reported"),
            Section("Places in it", places, "places"),
            await self.source_notes("organizations", organization_id)]}

    async def party(self, party_id: str) -> dict | None:
        found = await self.header_facts("parties", "party_id", party_id)
        if found is None:
            return None
        row, facts = found
        if row.get("abbreviation"):
            facts.append(Item().text(f"Abbreviation: {row['abbreviation']}"))
        members = []
        for person in await self.rows("select person_id from persons where party_id = ? order by name", [party_id]):
            item = self.entity_link(Item(), "persons", person["person_id"])
            item.evidence = await self.citations("persons", person["person_id"], "party_id")
            members.append(item)
        roles = await self.roles_in("party_id", party_id)
        return {"kind": "Party", "table": "parties", "row": row, "facts": facts, "sections": [
            await self.mentions("party_id", party_id), Section("Members", members, "members"),
            Section("Roles in it", roles, "roles"), await self.source_notes("parties", party_id)]}

    async def place(self, place_id: str) -> dict | None:
        found = await self.header_facts("places", "place_id", place_id)
        if found is None:
            return None
        row, facts = found
        facts.append(Item().text(f"Classification: {row['classification']}"))
        for column, table, label in (("within_place_id", "places", "Within"),
                                     ("country_id", "organizations", "Country")):
            if row.get(column):
                facts.append(self.entity_link(Item().text(f"{label}: "), table, row[column]))
        if row.get("geonames_id") and row.get("latitude") is not None:
            facts.append(Item().text(f"GeoNames {row['geonames_id']} ({row['gazetteer_name']}), "
                                     f"{row['latitude']}, {row['longitude']}: from {row['gazetteer']} "
                                     f"{row['gazetteer_version']}"))
        elif row.get("geonames_id"):  # a country: the gazetteer's country list has no coordinates
            facts.append(Item().text(f"GeoNames {row['geonames_id']} ({row['gazetteer_name']}): from {row['gazetteer']} "
                                     f"{row['gazetteer_version']}, which gives no coordinates."))
        else:
            facts.append(Item().text("Not in the gazetteer: no identifier, no coordinates."))
        events = []
        for link in await self.rows("select * from event_places where place_id = ? order by event_id", [place_id]):
            item = self.entity_link(Item(note=link["note"]), "events", link["event_id"])
            events.append(await self.with_citations(item, "event_places", f"{link['event_id']}/{place_id}", link))
        return {"kind": "Place", "table": "places", "row": row, "facts": facts,
                "map": {"latitude": row["latitude"], "longitude": row["longitude"], "name": row["name"]}
                if row.get("latitude") is not None else None,
                "sections": [await self.mentions("place_id", place_id), Section("Events there", events, "events"),
                             await self.source_notes("places", place_id)]}

    async def delegation(self, delegation_id: str) -> dict | None:
        found = await self.header_facts("delegations", "delegation_id", delegation_id)
        if found is None:
            return None
        row, facts = found
        summary = Item().text("Delegation of ")
        self.entity_link(summary, "organizations", row["country_id"])
        if row.get("stated_size"):
            summary.text(f"; the article gives its size as {row['stated_size']}")
        facts.append(await self.with_citations(summary, "delegations", delegation_id, row))
        members = []
        for member in await self.rows("select * from delegation_members where delegation_id = ? "
                                      "order by role <> 'leader', person_id", [delegation_id]):
            item = self.entity_link(Item(note=member["note"]), "persons", member["person_id"])
            members.append(await self.with_citations(item.text(f" ({member['role']})"), "delegation_members",
                                                     f"{delegation_id}/{member['person_id']}", member))
        return {"kind": "Delegation", "table": "delegations", "row": row, "facts": facts, "sections": [
            await self.mentions("delegation_id", delegation_id), Section("Members", members, "members"),
            Section("Events", await self.events_of("p.delegation_id = ?", [delegation_id]), "events"),
            await self.source_notes("delegations", delegation_id)]}

    async def event(self, event_id: str) -> dict | None:
        rows = await self.rows("select e.*, c.label as cameo_label from events e left join cameo_codes c "
                               "on c.cameo_code = e.cameo_code where event_id = ?", [event_id])
        if not rows:
            return None
        row = {**rows[0], "name": rows[0]["description"]}
        facts = [await self.with_citations(
            Item(note=row["note"]).text(f"Date (EDTF): {row['date_edtf'] or 'none'}; {row['status']}"
                                        f"; the article's location: {row['location'] or 'none'}"),
            "events", event_id, row)]
        if row.get("cameo_code"):
            facts.append(Item().text(f"CAMEO {row['cameo_code']} ({row['cameo_label']})"
                                     + (f"; PLOVER {row['plover_category']}" if row.get("plover_category") else "")))
        participants = []
        for p in await self.rows("select * from event_participants where event_id = ? order by role, participant_id",
                                 [event_id]):
            table = next(t for t, c in (("persons", "person_id"), ("delegations", "delegation_id"),
                                        ("organizations", "organization_id")) if p[c])
            item = self.entity_link(Item(note=p["note"]), table, p[{"persons": "person_id", "delegations":
                                                                     "delegation_id", "organizations":
                                                                     "organization_id"}[table]])
            participants.append(await self.with_citations(item.text(f" ({p['role']})"), "event_participants",
                                                          f"{event_id}/{p['participant_id']}", p))
        places = []
        for link in await self.rows("select * from event_places where event_id = ?", [event_id]):
            places.append(await self.with_citations(self.entity_link(Item(note=link["note"]), "places",
                                                                     link["place_id"]),
                                                    "event_places", f"{event_id}/{link['place_id']}", link))
        relations = []
        if "event_relations" in self.tables:
            for rel in await self.rows("select * from event_relations where event_id = ? or related_event_id = ?",
                                       [event_id, event_id]):
                item = Item(note=rel["note"])
                if rel["event_id"] == event_id:
                    self.entity_link(item.text(f"{rel['relation'].replace('_', ' ')} "), "events",
                                     rel["related_event_id"])
                else:
                    self.entity_link(item, "events", rel["event_id"]).text(f" is {rel['relation'].replace('_', ' ')}"
                                                                          " this event")
                relations.append(await self.with_citations(
                    item, "event_relations", f"{rel['event_id']}/{rel['related_event_id']}", rel))
        quote_where = "event_id = ?"
        if "quote_events" in self.tables:
            quote_where += " or quote_id in (select quote_id from quote_events where event_id = ?)"
        return {"kind": "Event", "table": "events", "row": row, "facts": facts, "sections": [
            Section("Participants", participants, "participants"), Section("Places", places, "places"),
            Section("Related events", relations, "relations"),
            Section("Quotes", await self.quotes(quote_where, [event_id] * quote_where.count("?")), "quotes"),
            await self.source_notes("events", event_id)]}


ROUTES = (*(kind.route for kind in ENTITY_KINDS), EVENT_ROUTE)  # each is the name of a Gatherer method


async def gather(database, links: Links, kinds: dict, route: str, entity_id: str) -> dict | None:
    """The page of /<route>/<entity_id>, or None when there is no such entity."""
    if route not in ROUTES:
        return None
    gatherer = Gatherer(database, links, kinds)
    await gatherer.prepare()
    return await getattr(gatherer, route)(entity_id)
