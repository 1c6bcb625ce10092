"""Where the Datasette side of the project lives and what it is called: every path, name, route and response
header that the build, the metadata, the server, the plugin, the load test and the tests share, defined once.

Nothing here reads a file or imports Datasette, so any stage (and datasette/plugins/article.py) may import it.
"""
from __future__ import annotations

from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parent.parent  # the project: scripts/ and datasette/ (a package has neither)
DATASETTE_DIR = CODE_ROOT / "datasette"  # how the database is searched and shown: the project's, for any package
PLUGINS_DIR = DATASETTE_DIR / "plugins"
TEMPLATES_DIR = DATASETTE_DIR / "templates"
STATIC_DIR = DATASETTE_DIR / "static"
TABLES_CONFIG = DATASETTE_DIR / "tables.yaml"
VIEWS_CONFIG = DATASETTE_DIR / "views.yaml"
QUERIES_CONFIG = DATASETTE_DIR / "queries.yaml"

BUILD_DIR = "build"  # the database is build/<package name>.db under the package root
DATABASE_SUFFIX = ".db"

# Objects the build adds to the package's tables.
SOURCE_TEXTS = "source_texts"
EVIDENCE_VIEW = "evidence_spans"

# The project's plugin (datasette/plugins/article.py): its configuration key in the metadata and its routes.
PLUGIN_NAME = "article"
ARTICLE_PREFIX = "/article/"
ARTICLE_ROUTE = ARTICLE_PREFIX + "{source_id}"
ARTICLE_ROUTE_PATTERN = rf"^{ARTICLE_PREFIX}(?P<source_id>[^/]+)$"

STATIC_MOUNT = "assets"  # datasette/static is served at /assets/
STATIC_PREFIX = f"/{STATIC_MOUNT}/"
STYLESHEET = f"{STATIC_PREFIX}project.css"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
DEFAULT_WORKERS = 2  # one uvicorn worker per core of the 2-core machine the targets are set for

# Content-Security-Policy, directive by directive. Other parts of the project extend it HERE (a plugin's static
# files are 'self'; a map's tile server goes under img-src), never in a second header. No 'unsafe-inline' for
# scripts: nothing from the data can run. The hashes are Datasette 0.65.5's own fixed inline scripts (the
# click-away handler of its menus, the SQL editor's start-up, the table page's facet flag), which hold no data;
# tests/test_server_hardening.py recomputes them from the pages, so an upgrade that changes them fails a test.
DATASETTE_INLINE_SCRIPT_HASHES = (
    "'sha256-DMtesc2dB3xCZhCWIkDIjRY30AJia2dU9R83J/BG2Y4='",
    "'sha256-uEjwHx6B6TylDkwnKXY5NeNNPyI38FvghD4BDhzZMRc='",
    "'sha256-fyi5q99UcdjzV8X7vfr/UYD4dsV4ViDDhotcy8GQ6PM='",
)
# The same for plugins installed beside Datasette: datasette-leaflet 0.2.2 (the URLs of its static files) and
# datasette-cluster-map 0.18.2 (`[]` on a page without coordinates; on a table with coordinates it inlines that
# table's map configuration, whose hash the map's page must add here).
PLUGIN_INLINE_SCRIPT_HASHES = (
    "'sha256-krNHfT02OkEi/8I4XYKK1k/78mZyrBAIjHWppgijYSk='",
    "'sha256-T1PNoYwrqgwDVLtfmj7L5e0Sq02OEbqHPC8RFhICuUU='",
    "'sha256-WmZWlGEhhfMtB63lHJzSTDA2L5XMKXvVwBlZgXODHUw='",  # its configuration on places and located_events
)
# The map's tiles: the user's browser fetches them from the tile server datasette-cluster-map 0.18.2 names (its
# default OpenStreetMap layer); without network the map shows its markers on a blank background.
MAP_TILE_SOURCES = ("https://*.tile.openstreetmap.org",)
CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", *DATASETTE_INLINE_SCRIPT_HASHES, *PLUGIN_INLINE_SCRIPT_HASHES),
    # Datasette's and the article's <style> blocks and style attributes are template text, not data; a style
    # cannot run code, so inline styles are allowed where inline scripts are not.
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:", *MAP_TILE_SOURCES),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def content_security_policy(policy: dict[str, tuple[str, ...]] = CONTENT_SECURITY_POLICY) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


# Sent on every response of the server, whatever answers it (Datasette, the plugin, the cache, a refusal).
SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": content_security_policy(),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def database_path(root: Path | str, name: str) -> Path:
    """build/<name>.db under the package root."""
    return Path(root) / BUILD_DIR / f"{name}{DATABASE_SUFFIX}"


def article_path(source_id: str) -> str:
    return ARTICLE_ROUTE.format(source_id=source_id)
