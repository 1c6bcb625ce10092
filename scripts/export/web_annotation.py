"""Every evidence span of the package, and every mention, as one W3C Web Annotation collection (JSON-LD).

Each annotation targets its span of the seed with a TextPositionSelector (start/end in characters, as the
package's offsets count) and a TextQuoteSelector (the seed's exact words, with up to CONTEXT characters either
side as prefix and suffix). Its bodies are the row the span supports, addressed as a row of the table's CSV file
(an RFC 7111 fragment, `row=N` counting the header as row 1), and the table's name as a tag; a mention's
annotation also links its entity's row. Addresses are relative to the package root: resolve them against
wherever the package lies.
See https://www.w3.org/TR/annotation-model/ and https://www.w3.org/TR/annotation-vocab/.
"""
from __future__ import annotations

import json

from scripts.export import MENTIONS, PackageData, Span

FILE = "annotations.jsonld"
CONTEXT_IRI = "http://www.w3.org/ns/anno.jsonld"
CONTEXT = 32  # characters of prefix and suffix: enough to tell apart two occurrences of the same words
CSV_FRAGMENT = "http://tools.ietf.org/rfc/rfc7111"


def annotation_id(span: Span) -> str:
    return f"{FILE}#{span.table}/{span.row_id}"


def row_body(data: PackageData, table: str, row_id: str) -> dict:
    return {
        "type": "SpecificResource",
        "purpose": "identifying",
        "source": {"id": data.data_path(table), "format": "text/csv"},
        "selector": {"type": "FragmentSelector", "conformsTo": CSV_FRAGMENT,
                     "value": f"row={data.csv_rows[table, row_id]}"},
        "label": f"{table} {row_id}",
    }


def target(data: PackageData, span: Span) -> dict:
    text = data.texts[span.source_id]
    return {
        "type": "SpecificResource",
        "source": {"id": data.seed_paths[span.source_id], "type": "Text", "format": "text/plain",
                   "language": "en"},
        "selector": [
            {"type": "TextPositionSelector", "start": span.start, "end": span.end},
            {"type": "TextQuoteSelector", "exact": text[span.start:span.end],
             "prefix": text[max(0, span.start - CONTEXT):span.start], "suffix": text[span.end:span.end + CONTEXT]},
        ],
    }


def annotation(data: PackageData, span: Span, mentions: dict[str, dict]) -> dict:
    bodies = [row_body(data, span.table, span.row_id),
              {"type": "TextualBody", "purpose": "tagging", "value": span.table, "format": "text/plain"}]
    motivation = "linking"  # the span is the evidence of the row it links to
    if span.table == MENTIONS:
        motivation = "identifying"  # the span names (or refers to) an entity
        entity_table, entity_id = data.mention_entity(mentions[span.row_id])
        bodies.insert(1, row_body(data, entity_table, entity_id))
    return {"id": annotation_id(span), "type": "Annotation", "motivation": motivation, "body": bodies,
            "target": target(data, span)}


def collection(data: PackageData) -> dict:
    mentions = {row["mention_id"]: row for row in data.table(MENTIONS)}
    items = [annotation(data, span, mentions) for span in data.spans()]
    name = data.spec.metadata.get("name", "package")
    return {
        "@context": CONTEXT_IRI,
        "id": FILE,
        "type": "AnnotationCollection",
        "label": f"Every evidence span of the data package {name}, version {data.spec.metadata.get('version')}",
        "total": len(items),
        "first": {"id": f"{FILE}#page1", "type": "AnnotationPage", "startIndex": 0, "items": items},
    }


def render(data: PackageData) -> dict[str, str]:
    return {FILE: json.dumps(collection(data), ensure_ascii=False, indent=1) + "\n"}
