"""Persons, organizations (parties and delegations among them), memberships, posts and events in Popolo JSON
(https://www.popoloproject.com/specs/, version 1.0.1), the exchange format of civic-tech tools.

- organizations: the organizations table, each party (classification "party") and each delegation
  (classification "delegation"); a party's abbreviation is an other name.
- posts: one per role of the roles table (label = the title as the seed words it).
- memberships: a person's party, each role (with its post; in its organization or party, where the seed gives
  one) and each place in a delegation (role "leader" or "member").
- events: each event with its dates, the seed's wording of its location, its status, its CAMEO code as
  classification and its persons as attendees.
Every object carries `sources`: links into the seed, `seeds/<file>#char=start,end` (RFC 5147), with the words.
Popolo has no place for a role's status (current or former): the membership's label says it.
"""
from __future__ import annotations

import json
from collections import defaultdict

from scripts.export import ENTITY_TYPES, MENTIONS, PackageData

FILE = "popolo.json"


def evidence_link(data: PackageData, row: dict) -> dict:
    return {"url": f"{data.seed_paths[row['source_id']]}#char={row['evidence_start']},{row['evidence_end']}",
            "note": row["evidence"]}


class Links:
    """The evidence links of each entity: its own span, or (once entities have mentions) those of its mentions."""

    def __init__(self, data: PackageData):
        self.data = data
        self.by_entity = defaultdict(list)
        for mention in data.table(MENTIONS):
            self.by_entity[data.mention_entity(mention)].append(evidence_link(data, mention))

    def __call__(self, table: str, row: dict) -> list[dict]:
        own = [evidence_link(self.data, row)] if row.get("evidence_start") is not None else []
        return own + self.by_entity[table, row[ENTITY_TYPES[table][0]]]


def names(row: dict, *columns: str) -> list[dict]:
    found = []
    for column in columns:
        found += [{"name": name.strip()} for name in (row.get(column) or "").split(";") if name.strip()]
    return [n for n in found if n["name"] != row["name"]]


def popolo(data: PackageData) -> dict:
    links = Links(data)
    persons = {row["person_id"]: row for row in data.table("persons")}
    out = {"persons": [], "organizations": [], "memberships": [], "posts": [], "events": []}
    for row in persons.values():
        out["persons"].append({"id": row["person_id"], "name": row["name"], "other_names": names(row, "other_names"),
                               "sources": links("persons", row)})
    for row in data.table("organizations"):
        out["organizations"].append({"id": row["organization_id"], "name": row["name"],
                                     "other_names": names(row, "other_names"),
                                     "classification": row["classification"],
                                     "sources": links("organizations", row)})
    for row in data.table("parties"):
        out["organizations"].append({"id": row["party_id"], "name": row["name"],
                                     "other_names": names(row, "abbreviation"), "classification": "party",
                                     "sources": links("parties", row)})
    for row in data.table("delegations"):
        out["organizations"].append({"id": row["delegation_id"], "name": row["name"],
                                     "classification": "delegation", "sources": links("delegations", row)})
    for row in persons.values():
        if row.get("party_id"):
            out["memberships"].append({"id": f"{row['person_id']}-in-{row['party_id']}",
                                       "person_id": row["person_id"], "organization_id": row["party_id"],
                                       "role": "member", "sources": links("persons", row)})
    for row in data.table("roles"):
        organization = row.get("organization_id") or row.get("party_id")
        post = {"id": row["role_id"], "label": row["title"], "sources": [evidence_link(data, row)]}
        membership = {"id": row["role_id"], "label": f"{row['title']} ({row['status']})", "role": row["title"],
                      "person_id": row["person_id"], "post_id": row["role_id"],
                      "sources": [evidence_link(data, row)]}
        if organization:
            post["organization_id"] = membership["organization_id"] = organization
        out["posts"].append(post)
        out["memberships"].append(membership)
    for row in data.table("delegation_members"):
        out["memberships"].append({"id": f"{row['person_id']}-in-{row['delegation_id']}",
                                   "person_id": row["person_id"], "organization_id": row["delegation_id"],
                                   "role": row["role"], "sources": [evidence_link(data, row)]})
    attendees = defaultdict(list)
    for row in data.table("event_participants"):
        if row.get("person_id"):
            attendees[row["event_id"]].append({"id": row["person_id"], "name": persons[row["person_id"]]["name"]})
    for row in data.table("events"):
        event = {"id": row["event_id"], "name": row["description"], "status": row["status"],
                 "location": row["location"], "classification": row["cameo_code"],
                 "attendees": list({a["id"]: a for a in attendees[row["event_id"]]}.values()),
                 "sources": [evidence_link(data, row)]}
        for column, key in (("date_start", "start_date"), ("date_end", "end_date")):
            if row.get(column):
                event[key] = row[column]
        out["events"].append({key: value for key, value in event.items() if value not in (None, "")})
    return out


def render(data: PackageData) -> dict[str, str]:
    return {FILE: json.dumps(popolo(data), ensure_ascii=False, indent=1) + "\n"}
