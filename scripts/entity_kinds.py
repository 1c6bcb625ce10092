"""The kinds of entity of the model (issue 12's contract): the table, the column by which a mention (or any other
row) points at an entity of that table, the name the exports give the kind, and the address of its page in
Datasette (/<route>/<id>, datasette/plugins/article.py)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntityKind:
    table: str
    key: str  # the entity table's key, also the mentions' column that points at it
    label: str  # Person, Organization, ... (brat types, the layer controls)
    route: str  # /person/<id>


ENTITY_KINDS = (
    EntityKind("persons", "person_id", "Person", "person"),
    EntityKind("organizations", "organization_id", "Organization", "organization"),
    EntityKind("parties", "party_id", "Party", "party"),
    EntityKind("places", "place_id", "Place", "place"),
    EntityKind("delegations", "delegation_id", "Delegation", "delegation"),
)
BY_TABLE = {kind.table: kind for kind in ENTITY_KINDS}
MENTIONS = "mentions"
