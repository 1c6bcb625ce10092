"""The project's Datasette plugin (loaded from datasette/plugins by scripts/datasette_app.py).

- /article/<source_id>: the seed's text with every cited span in a <mark>, coloured by the table that cites it;
  after each span, numbered links to the rows it supports; text cited by several rows is marked as an overlap.
- Cells: evidence links to its span in the annotated article; a sources title links to its article; in views
  and query results, key columns (person_id, ...) and table_name/row_id pairs link to their rows; the ⟦ ⟧ of the
  evidence query become a <mark>.
- The home page lists the annotated articles.
- The server is read-only: any request but GET and HEAD is refused (405) before Datasette sees it, so no
  endpoint, Datasette's own POST forms included, can be asked to change anything.
All text is escaped: the page goes through Jinja's autoescape, the cells through markupsafe.
What the plugin knows of the database (table names, key columns, the style sheet) comes from the generated metadata,
under plugins.article (scripts/datasette_metadata.py); its name and routes from scripts/datasette_config.py.
"""
from __future__ import annotations

from datasette.utils import tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup

from datasette import hookimpl
from scripts.datasette_config import ARTICLE_PREFIX, ARTICLE_ROUTE_PATTERN, PLUGIN_NAME

HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "⟦", "⟧"
# ColorBrewer Set3: twelve light colours, dark text stays readable on each.
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
           "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")


def config(datasette) -> dict:
    # plugin_config resolves the metadata on every call and render_cell asks for every cell; the metadata of a
    # running (immutable) instance does not change, so it is read once per instance.
    cached = getattr(datasette, "_article_plugin_config", None)
    if cached is None:
        cached = datasette.plugin_config(PLUGIN_NAME) or {}
        datasette._article_plugin_config = cached
    return cached


def article_url(datasette, source_id: str) -> str:
    return datasette.urls.path(ARTICLE_PREFIX + tilde_encode(source_id))


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
    colours = {table: index for index, table in enumerate(tables)}
    titles = {table: datasette.table_metadata(database.name, table).get("title") or table for table in tables}
    spans = [{"n": n, "table": row["table_name"], "table_title": titles[row["table_name"]], "row_id": row["row_id"],
              "start": row["evidence_start"], "end": row["evidence_end"], "evidence": row["evidence"],
              "colour": colours[row["table_name"]], "anchor": span_anchor(row["evidence_start"], row["evidence_end"]),
              "url": row_url(datasette, database.name, row["table_name"], row["row_id"])}
             for n, row in enumerate(rows, start=1)]
    pieces = annotate(source["text"], spans)
    legend = [{"table": table, "title": titles[table], "colour": colours[table],
               "hex": PALETTE[colours[table] % len(PALETTE)],
               "count": sum(1 for s in spans if s["table"] == table),
               "url": datasette.urls.table(database.name, table)} for table in tables]
    context = {
        "source": dict(source), "pieces": pieces, "spans": spans, "legend": legend,
        "overlaps": sum(1 for piece in pieces if piece["kind"] == "mark" and piece["layers"] > 1),
        "database": database.name,
        "source_url": row_url(datasette, database.name, "sources", source_id),
        "sources_url": datasette.urls.table(database.name, "sources"),
        "evidence_url": datasette.urls.table(database.name, settings["evidence_view"]),
    }
    return Response.html(await datasette.render_template("article.html", context, request=request))


@hookimpl
def register_routes():
    return [(ARTICLE_ROUTE_PATTERN, article_page)]


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
        if source_id and start is not None and end is not None:
            url = f"{article_url(datasette, source_id)}#{span_anchor(start, end)}"
            return Markup('<a class="evidence-link" href="{}" title="Read it in the annotated article">{}</a>').format(
                url, value)
    if table == "sources" and column == "title" and "source_id" in columns:
        return Markup('<a class="article-link" href="{}" title="The annotated article">{}</a>').format(
            article_url(datasette, cell_value(row, "source_id")), value)
    settings = config(datasette)
    if table is None or table in settings.get("views", ()):
        if column == "row_id" and "table_name" in columns and row["table_name"]:
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
        return {"articles": [{**dict(row), "url": article_url(datasette, row["source_id"])} for row in rows]}

    return articles


@hookimpl
def extra_css_urls(datasette):
    stylesheet = config(datasette).get("stylesheet")
    return [datasette.urls.path(stylesheet)] if stylesheet else []

