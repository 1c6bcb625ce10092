"""The project's Datasette plugin (loaded from datasette/plugins by scripts/datasette_app.py).

- /article/<source_id>: the seed's text with every cited span in a <mark>, coloured by the table that cites it;
  after each span, numbered links to the rows it supports; text cited by several rows is marked as an overlap.
- Cells: evidence links to its span in the annotated article; a sources title links to its article; in views
  and query results, key columns (person_id, ...) and table_name/row_id pairs link to their rows; the ⟦ ⟧ of the
  evidence query become a <mark>.
- /person/<id>, /organization/<id>, /party/<id>, /place/<id>, /delegation/<id>, /event/<id>: a page per entity
  (facts gathered by scripts/entity_pages.py, template entity.html), linked from the name (an event's
  description) on table pages, from the article's cited rows and from the home page.
- The article's layers: a GET form (tables, kinds of entity, one entity) answered with the filtered article;
  datasette/static/layers.js submits it in place.
- The home page lists the annotated articles and the entities.
- The server is read-only: any request but GET and HEAD is refused (405) before Datasette sees it, so no
  endpoint, Datasette's own POST forms included, can be asked to change anything.
All text is escaped: the page goes through Jinja's autoescape, the cells through markupsafe.
What the plugin knows of the database (table names, key columns, the style sheet) comes from the generated metadata,
under plugins.article (scripts/datasette_metadata.py); its name and routes from scripts/datasette_config.py.
"""
from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup

from datasette import hookimpl
from scripts.datasette_config import ARTICLE_PREFIX, ARTICLE_ROUTE_PATTERN, PLUGIN_NAME
from scripts.entity_pages import ROUTES, gather  # the server runs from the project's root (scripts.datasette_app)

HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "⟦", "⟧"
COLOURS = 16  # classes c0 ... c15 of datasette/static/project.css (ColorBrewer Set3, then Pastel1)
LAYERS_SCRIPT = "layers.js"  # beside the style sheet: the article's layer controls, without a page reload
MAP_SCRIPT = "place-map.js"  # beside the style sheet: a place page's map (Leaflet of datasette-leaflet)


def config(datasette) -> dict:
    # plugin_config resolves the metadata on every call and render_cell asks for every cell; the metadata of a
    # running (immutable) instance does not change, so it is read once per instance.
    cached = getattr(datasette, "_article_plugin_config", None)
    if cached is None:
        cached = datasette.plugin_config(PLUGIN_NAME) or {}
        datasette._article_plugin_config = cached
    return cached


def article_url(datasette, source_id: str) -> str:
    return datasette.urls.path(ARTICLE_PREFIX + tilde_encode(str(source_id)))


def span_anchor(start: int, end: int) -> str:
    return f"span-{start}-{end}"


def row_url(datasette, database: str, table: str, row_id: str) -> str:
    # row_id joins the primary key's values with commas, as Datasette's row addresses do; keys are slugs
    return datasette.urls.row(database, table, ",".join(tilde_encode(part) for part in str(row_id).split(",")))


async def article_database(datasette):
    texts_table = config(datasette).get("texts_table")
    for database in datasette.databases.values():
        if texts_table and database.name != "_internal" and await database.table_exists(texts_table):
            return database
    return None


# ---------------------------------------------------------------- the annotated article

def annotate(text: str, spans: list[dict]) -> list[dict]:
    """Cut the text at every span boundary. Each piece is plain text, a mark (covered by one span or more: the
    innermost gives the colour), or the numbered references of the spans that end there."""
    starting, ending = {}, {}
    for span in spans:
        starting.setdefault(span["start"], []).append(span)
        ending.setdefault(span["end"], []).append(span)
    bounds = sorted({0, len(text), *starting, *ending})
    active = {}  # the spans covering the piece being cut, by number
    pieces = []
    for left, right in zip(bounds, bounds[1:]):
        for span in ending.get(left, ()):
            active.pop(span["n"], None)
        active.update((span["n"], span) for span in starting.get(left, ()))
        if active:
            covering = sorted(active.values(), key=lambda s: s["n"])
            innermost = min(covering, key=lambda s: (s["end"] - s["start"], s["n"]))
            pieces.append({"kind": "mark", "text": text[left:right], "colour": innermost["colour"],
                           "layers": len(covering),
                           "title": "; ".join(f"[{s['n']}] {s['table_title']}: {s['row_id']}" for s in covering)})
        else:
            pieces.append({"kind": "text", "text": text[left:right]})
        closing = ending.get(right, ())
        for start in sorted({s["start"] for s in closing}, reverse=True):  # the innermost span's numbers first
            pieces.append({"kind": "refs", "id": span_anchor(start, right),
                           "refs": [s for s in closing if s["start"] == start]})
    return pieces


async def not_found(datasette, request, message: str) -> Response:
    # a 404 page of Datasette's own look, without the traceback that raising NotFound prints on the console
    context = {"ok": False, "error": message, "status": 404, "title": "Not found"}
    return Response.html(await datasette.render_template("error.html", context, request=request), status=404)


# ---------------------------------------------------------------- layers: which rows concern which entities

async def span_entities(datasette, database) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(table, row key) -> the (entity table, entity id) pairs the row concerns, following the links that the
    metadata derives from the foreign keys (scripts/datasette_metadata.py span_entity_links). Computed once per
    instance: the database is immutable."""
    cache = datasette.__dict__.setdefault("_span_entities", {})
    if database.name in cache:
        return cache[database.name]
    concerns: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for table, links in config(datasette).get("span_entities", {}).items():
        key_sql = " || ',' || ".join(f'"{column}"' for column in links["key"])
        for columns, source, join_on in [(links["columns"], f'"{table}"', None),
                                         *[(t["columns"], f'"{t["table"]}"', t["on"]) for t in links["through"]]]:
            if not columns:
                continue
            key = key_sql if join_on is None else f'"{join_on}"'
            selected = ", ".join(f'"{column}"' for column, _ in columns)
            for row in (await database.execute(f"select {key} as row_key, {selected} from {source}")).rows:
                found = concerns.setdefault((table, row["row_key"]), set())
                found.update((target, row[column]) for column, target in columns if row[column])
    kinds = config(datasette).get("entity_kinds", {})
    for pointer in config(datasette).get("row_pointers", []):
        # a citation or a note concerns what the row it points at concerns (row_key joins a composite key with '/')
        key_sql = " || ',' || ".join(f'"{column}"' for column in pointer["key"])
        for row in (await database.execute(
                f'select {key_sql} as span_key, table_name, row_key from "{pointer["table"]}"')).rows:
            pointed = (row["table_name"], row["row_key"].replace("/", ","))
            found = concerns.setdefault((pointer["spans"], row["span_key"]), set())
            found |= concerns.get(pointed, set())
            if pointed[0] in kinds:
                found.add(pointed)
    cache[database.name] = concerns
    return concerns


def entity_value(entity: tuple[str, str]) -> str:
    return f"{entity[0]}:{entity[1]}"


def span_kind(span: dict, concerns: dict, kinds: dict) -> str | None:
    """The entity table of a mention or of an entity's own row; None for other rows."""
    if span["table"] in kinds:
        return span["table"]
    if span["table"] == "mentions":
        return next((table for table, _ in sorted(concerns.get(("mentions", span["row_id"]), ()))), None)
    return None


def layer_choice(request, tables: list[str], kinds: list[str], entities: set[str]) -> dict:
    """What the reader asked to see. No `layers` parameter: everything (the page as it is without the form)."""
    args = request.args
    chosen = "layers" in args
    entity = args.get("entity") or ""
    return {
        "chosen": chosen,
        "tables": [t for t in args.getlist("table") if t in tables] if chosen else list(tables),
        "kinds": [k for k in args.getlist("kind") if k in kinds] if chosen else list(kinds),
        "entity": entity if entity in entities else "",
    }


def shown(span: dict, choice: dict) -> bool:
    if span["table"] not in choice["tables"]:
        return False
    if span["kind"] is not None and span["kind"] not in choice["kinds"]:
        return False
    return not choice["entity"] or choice["entity"] in span["entities"]


async def entity_options(database, kinds: dict) -> list[dict]:
    """The entity filter's choices: every entity, by kind, by name."""
    groups = []
    for table, kind in kinds.items():
        rows = (await database.execute(  # every entity table has a name (issue 12's contract)
            f'select "{kind["key"]}" as id, name from "{table}" order by name')).rows
        groups.append({"label": kind["label"], "table": table,
                       "options": [{"value": f"{table}:{row['id']}", "name": row["name"]} for row in rows]})
    return groups


async def article_page(datasette, request):
    source_id = request.url_vars["source_id"]
    database = await article_database(datasette)
    if database is None:
        return await not_found(datasette, request, "No database here holds the texts of the sources.")
    await datasette.ensure_permissions(request.actor, [("view-table", (database.name, "sources")),
                                                       ("view-database", database.name), "view-instance"])
    settings = config(datasette)
    source = (await database.execute(
        f"select s.*, t.text from sources s join [{settings['texts_table']}] t on t.source_id = s.source_id "
        "where s.source_id = ?", [source_id])).first()
    if source is None:
        return await not_found(datasette, request, f"No source {source_id!r}: the sources table lists the articles.")
    rows = (await database.execute(
        f"select table_name, row_id, sentence_id, evidence_start, evidence_end, evidence "
        f"from [{settings['evidence_view']}] where source_id = ? "
        "order by evidence_start, evidence_end desc, table_name, row_id", [source_id])).rows
    tables = sorted({row["table_name"] for row in rows})
    colours = {table: index % COLOURS for index, table in enumerate(tables)}
    titles = {table: datasette.table_metadata(database.name, table).get("title") or table for table in tables}
    kinds = settings.get("entity_kinds", {})
    concerns = await span_entities(datasette, database)
    options = await entity_options(database, kinds)
    names = {option["value"]: option["name"] for group in options for option in group["options"]}
    all_spans = []
    for n, row in enumerate(rows, start=1):
        span = {"n": n, "table": row["table_name"], "table_title": titles[row["table_name"]], "row_id": row["row_id"],
                "start": row["evidence_start"], "end": row["evidence_end"], "evidence": row["evidence"],
                "colour": colours[row["table_name"]], "anchor": span_anchor(row["evidence_start"], row["evidence_end"]),
                "url": row_url(datasette, database.name, row["table_name"], row["row_id"])}
        entities = sorted(concerns.get((span["table"], span["row_id"]), ()))
        span["entities"] = [entity_value(e) for e in entities]
        span["about"] = [{"name": names.get(entity_value(e), e[1]), "url": entity_url(datasette, kinds, *e)}
                         for e in entities if e[0] in kinds]
        span["kind"] = span_kind(span, concerns, kinds)
        all_spans.append(span)
    kinds_present = [table for table in kinds if any(s["kind"] == table for s in all_spans)]
    choice = layer_choice(request, tables, kinds_present, set(names))
    spans = [span for span in all_spans if shown(span, choice)]
    pieces = annotate(source["text"], spans)
    legend = [{"table": table, "title": titles[table], "colour": colours[table],
               "count": sum(1 for s in all_spans if s["table"] == table), "shown": table in choice["tables"],
               "url": datasette.urls.table(database.name, table)} for table in tables]
    kind_controls = [{"table": table, "label": kinds[table]["label"], "shown": table in choice["kinds"],
                      "count": sum(1 for s in all_spans if s["kind"] == table)} for table in kinds_present]
    context = {
        "source": dict(source), "pieces": pieces, "spans": spans, "legend": legend, "kind_controls": kind_controls,
        "entity_groups": options, "choice": choice, "total_spans": len(all_spans),
        "entity_name": names.get(choice["entity"]),
        "overlaps": sum(1 for piece in pieces if piece["kind"] == "mark" and piece["layers"] > 1),
        "article_url": article_url(datasette, source_id),
        "database": database.name,
        "source_url": row_url(datasette, database.name, "sources", source_id),
        "sources_url": datasette.urls.table(database.name, "sources"),
        "evidence_url": datasette.urls.table(database.name, settings["evidence_view"]),
    }
    return Response.html(await datasette.render_template("article.html", context, request=request))


def entity_url(datasette, kinds: dict, table: str, entity_id: str) -> str:
    return datasette.urls.path(f"/{kinds[table]['route']}/{tilde_encode(str(entity_id))}")


class EntityLinks:
    """The addresses the entity pages (scripts/entity_pages.py) link to."""

    def __init__(self, datasette, database: str):
        self.datasette, self.database, self.kinds = datasette, database, config(datasette).get("entity_kinds", {})

    def entity(self, table: str, entity_id: str) -> str:
        if table == "events":
            return self.datasette.urls.path(f"/event/{tilde_encode(str(entity_id))}")
        return entity_url(self.datasette, self.kinds, table, entity_id)

    def row(self, table: str, key: str) -> str:
        return row_url(self.datasette, self.database, table, key)

    def span(self, source_id: str, start: int, end: int) -> str:
        return f"{article_url(self.datasette, source_id)}#{span_anchor(start, end)}"

    def article(self, source_id: str, entity: str | None = None) -> str:
        url = article_url(self.datasette, source_id)
        return f"{url}?{urlencode({'entity': entity})}" if entity else url


async def entity_page(datasette, request):
    route, entity_id = request.url_vars["route"], tilde_decode(request.url_vars["entity_id"])
    database = await article_database(datasette)
    if database is None:
        return await not_found(datasette, request, "No database here holds the dataset.")
    await datasette.ensure_permissions(request.actor, [("view-database", database.name), "view-instance"])
    links = EntityLinks(datasette, database.name)
    page = await gather(database, links, links.kinds, route, entity_id)
    if page is None:
        return await not_found(datasette, request, f"No {route} {entity_id!r} in the dataset.")
    # the article filtered to what concerns the entity (an event is no entity of the filter: the whole article)
    article_filter = entity_value((page["table"], entity_id)) if page["table"] in links.kinds else None
    sources = [row["source_id"] for row in (await database.execute("select source_id from sources")).rows]
    context = {**page, "route": route, "entity_id": entity_id, "database": database.name,
               "row_url": row_url(datasette, database.name, page["table"], entity_id),
               "table_url": datasette.urls.table(database.name, page["table"]),
               "articles": [{"source_id": s, "url": links.article(s, article_filter)} for s in sources],
               "leaflet": leaflet_urls(datasette) if page.get("map") else None,
               "map_script": static_url(datasette, MAP_SCRIPT)}
    return Response.html(await datasette.render_template("entity.html", context, request=request))


def leaflet_urls(datasette) -> dict:
    """Leaflet as datasette-leaflet (installed with datasette-cluster-map) serves it."""
    return {"js": datasette.urls.static_plugins("datasette-leaflet", "leaflet-v1.7.1.js"),
            "css": datasette.urls.static_plugins("datasette-leaflet", "leaflet-v1.7.1.css")}


@hookimpl
def register_routes():
    return [(ARTICLE_ROUTE_PATTERN, article_page),
            (rf"^/(?P<route>{'|'.join(ROUTES)})/(?P<entity_id>[^/]+)$", entity_page)]


# ---------------------------------------------------------------- cells

def highlighted(value: str) -> Markup:
    before, _, rest = value.partition(HIGHLIGHT_OPEN)
    span, _, after = rest.partition(HIGHLIGHT_CLOSE)
    return Markup("{}<mark>{}</mark>{}").format(before, span, after)


def cell_value(row, column):
    """A cell's raw value: on table pages a foreign key's cell is {"value": ..., "label": ...}."""
    value = row[column]
    return value.get("value") if isinstance(value, dict) else value


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None or not hasattr(row, "keys"):
        return None
    columns = set(row.keys())
    if column == "highlighted_sentence" and isinstance(value, str) and HIGHLIGHT_OPEN in value:
        return highlighted(value)
    if column == "evidence" and {"source_id", "evidence_start", "evidence_end"} <= columns:
        source_id, start, end = (cell_value(row, name) for name in ("source_id", "evidence_start", "evidence_end"))
        if isinstance(source_id, str) and source_id and type(start) is int and type(end) is int:  # custom SQL: any type
            url = f"{article_url(datasette, source_id)}#{span_anchor(start, end)}"
            return Markup('<a class="evidence-link" href="{}" title="Read it in the annotated article">{}</a>').format(
                url, value)
    kinds = config(datasette).get("entity_kinds", {})
    if table in kinds and column == "name" and kinds[table]["key"] in columns:
        url = entity_url(datasette, kinds, table, str(cell_value(row, kinds[table]["key"])))
        return Markup('<a class="entity-link" href="{}" title="Everything the dataset knows of it">{}</a>').format(
            url, value)
    if table == "events" and column == "description" and "event_id" in columns:
        url = datasette.urls.path(f"/event/{tilde_encode(str(cell_value(row, 'event_id')))}")
        return Markup('<a class="entity-link" href="{}" title="The event\'s page">{}</a>').format(url, value)
    if table == "sources" and column == "title" and "source_id" in columns:
        return Markup('<a class="article-link" href="{}" title="The annotated article">{}</a>').format(
            article_url(datasette, cell_value(row, "source_id")), value)
    settings = config(datasette)
    if table is None or table in settings.get("views", ()):
        if column == "row_id" and "table_name" in columns and isinstance(row["table_name"], str) and row["table_name"]:
            return Markup('<a href="{}">{}</a>').format(row_url(datasette, database, row["table_name"], value), value)
        target = settings.get("key_columns", {}).get(column)
        if target:
            return Markup('<a href="{}">{}</a>').format(row_url(datasette, database, target, value), value)
    return None


# ---------------------------------------------------------------- read-only

READ_METHODS = ("GET", "HEAD")


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READ_METHODS:
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"allow", ", ".join(READ_METHODS).encode())]})
                await send({"type": "http.response.body", "body": b"Method not allowed: this server is read-only.\n"})
                return
            await app(scope, receive, send)
        return read_only
    return wrap


# ---------------------------------------------------------------- the home page and the style sheet

@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}

    async def articles():
        database = await article_database(datasette)
        if database is None:
            return {"articles": []}
        rows = (await database.execute(
            "select source_id, title, author, published from sources order by source_id")).rows
        kinds = config(datasette).get("entity_kinds", {})
        entities = []
        for group in await entity_options(database, kinds):
            entities.append({"label": group["label"], "entities": [
                {"name": option["name"], "url": entity_url(datasette, kinds, group["table"],
                                                           option["value"].split(":", 1)[1])}
                for option in group["options"]]})
        return {"articles": [{**dict(row), "url": article_url(datasette, row["source_id"])} for row in rows],
                "entity_groups": [group for group in entities if group["entities"]]}

    return articles


@hookimpl
def extra_css_urls(datasette):
    stylesheet = config(datasette).get("stylesheet")
    return [datasette.urls.path(stylesheet)] if stylesheet else []


def static_url(datasette, name: str) -> str | None:
    """A file of datasette/static, served beside the style sheet."""
    stylesheet = config(datasette).get("stylesheet")
    return datasette.urls.path(f"{stylesheet.rsplit('/', 1)[0]}/{name}") if stylesheet else None


@hookimpl
def extra_js_urls(template, datasette):
    if template == "article.html" and static_url(datasette, LAYERS_SCRIPT):
        return [{"url": static_url(datasette, LAYERS_SCRIPT), "module": False}]
    return []

