"""Serve Leaflet and the other map assets from installed packages, never a CDN.

Folium points every script and stylesheet at a CDN. On a closed network those
pages break, so :func:`localize_map` rewrites the links to ``/vendor/...`` URLs
and :data:`assets_bp` serves the files from the XStatic packages on PyPI and
from folium's own package directory.

``folium.Icon`` markers are not supported: they need Leaflet.awesome-markers
and the Bootstrap 3 glyphicons, which no registry package ships, so their
links are dropped. Use ``folium.CircleMarker``, a ``folium.Marker`` with
Leaflet's default icon, or ``folium.DivIcon`` (Font Awesome 6 classes work
inside a ``DivIcon``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from pathlib import PurePosixPath

import folium
from branca.element import Element
from branca.element import Link
from flask import Blueprint
from flask import Response
from flask import abort
from flask import send_from_directory
from flask import url_for
from folium.elements import JSCSSMixin
from xstatic.pkg import font_awesome
from xstatic.pkg import jquery
from xstatic.pkg import leaflet
from xstatic.pkg import leaflet_markercluster

logger = logging.getLogger(__name__)

VENDOR_URL_PATH = "/vendor"

# One year. URLs written by localize_map and vendor_url carry ``?v=<version>``,
# so an upgraded package gets a new URL. Files referenced relatively from a
# stylesheet (Leaflet's marker images, Font Awesome's webfonts) do not.
CACHE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60

# Extensions that may be served and their content types. Anything else is 404,
# so metadata, sources and SVGs inside the packages stay private. The explicit
# table also keeps the types right under ``X-Content-Type-Options: nosniff``
# whatever the host's mime.types file contains.
_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}


class ExternalAssetError(ValueError):
    """A map element links to an external URL that has no local copy."""


@dataclass(frozen=True)
class VendorLibrary:
    """An installed package directory served under ``/vendor/<name>/``."""

    directory: Path
    version: str


VENDOR_LIBRARIES: dict[str, VendorLibrary] = {
    "leaflet": VendorLibrary(Path(leaflet.BASE_DIR), leaflet.VERSION),
    "leaflet-markercluster": VendorLibrary(
        Path(leaflet_markercluster.BASE_DIR), leaflet_markercluster.VERSION
    ),
    "jquery": VendorLibrary(Path(jquery.BASE_DIR), jquery.VERSION),
    "font-awesome": VendorLibrary(Path(font_awesome.BASE_DIR), font_awesome.VERSION),
    # Folium ships the Leaflet.heat build that its HeatMap plugin loads.
    "folium": VendorLibrary(
        Path(folium.__file__).parent / "templates", folium.__version__
    ),
}

_JSDELIVR = "https://cdn.jsdelivr.net"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_FOLIUM_ON_JSDELIVR = f"{_JSDELIVR}/gh/python-visualization/folium"

# CDN URL used by folium 0.20 -> (library, file) served locally. Keyed by URL,
# not by asset name, because folium reuses names for different files: both
# BoatMarker and MarkerCluster call their script "markerclusterjs". A folium
# upgrade that changes a URL makes localize_map raise, so the table gets
# reviewed instead of a page silently loading from a CDN.
_CDN_ASSETS: dict[str, tuple[str, str]] = {
    f"{_JSDELIVR}/npm/leaflet@1.9.3/dist/leaflet.js": ("leaflet", "leaflet.js"),
    f"{_JSDELIVR}/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet", "leaflet.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "jquery.min.js"),
    f"{_JSDELIVR}/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "font-awesome",
        "css/all.min.css",
    ),
    # Folium 0.20 links Leaflet.markercluster 1.1.0. The package ships 1.4.1,
    # which keeps the L.markerClusterGroup API.
    f"{_CDNJS}/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet-markercluster",
        "leaflet.markercluster.js",
    ),
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet-markercluster",
        "MarkerCluster.css",
    ),
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet-markercluster",
        "MarkerCluster.Default.css",
    ),
    f"{_FOLIUM_ON_JSDELIVR}@main/folium/templates/leaflet_heat.min.js": (
        "folium",
        "leaflet_heat.min.js",
    ),
}

# CDN URLs that localize_map removes. Only folium.Icon needs the first four,
# and it is not supported (see the module docstring). No map of this project
# uses Bootstrap, whose XStatic package builds only with setuptools < 81.
_DROPPED_CDN_URLS = frozenset(
    {
        f"{_JSDELIVR}/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        f"{_JSDELIVR}/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        f"{_FOLIUM_ON_JSDELIVR}/folium/templates/leaflet.awesome.rotate.min.css",
    }
)

_EXTERNAL_URL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)

assets_bp = Blueprint("assets", __name__, url_prefix=VENDOR_URL_PATH)


@assets_bp.get("/<library>/<path:filename>")
def vendor_file(library: str, filename: str) -> Response:
    """Send one file of an installed asset package.

    Unknown libraries, unlisted extensions and paths that leave the package
    directory (``send_from_directory`` uses ``safe_join``) are 404.
    """
    vendor = VENDOR_LIBRARIES.get(library)
    if vendor is None:
        abort(404)

    content_type = _CONTENT_TYPES.get(PurePosixPath(filename).suffix.lower())
    if content_type is None:
        abort(404)

    response = send_from_directory(
        vendor.directory,
        filename,
        mimetype=content_type,
        max_age=CACHE_MAX_AGE_SECONDS,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@assets_bp.app_template_global("vendor_url")
def vendor_url(library: str, filename: str) -> str:
    """Build the versioned URL of a vendored file for use in templates.

    Example: ``{{ vendor_url("font-awesome", "css/all.min.css") }}``.
    """
    version = VENDOR_LIBRARIES[library].version
    return url_for("assets.vendor_file", library=library, filename=filename, v=version)


def localize_map(element: Element, *, base_url: str = VENDOR_URL_PATH) -> Element:
    """Point every script and stylesheet of a folium page at the local copies.

    Walks the page that contains ``element`` (from its root Figure down) and
    replaces the ``default_js``/``default_css`` lists of every folium
    JSCSSMixin element with instance lists of local URLs, so folium's class
    attributes stay untouched. Script and stylesheet links already placed in
    the page header by an earlier render are rewritten or removed too. Tile
    layer URLs are not links and are left alone.

    Args:
        element: A folium Map, Figure or any element inside one.
        base_url: URL path where :data:`assets_bp` is mounted.

    Returns:
        The same ``element``, for chaining.

    Raises:
        ExternalAssetError: An element links to an external URL that has no
            local copy and is not on the list of dropped assets.
    """
    for node in _walk(element.get_root()):
        if isinstance(node, JSCSSMixin):
            node.default_js = _localize_links(node.default_js, base_url)
            node.default_css = _localize_links(node.default_css, base_url)
        _localize_child_links(node, base_url)
    return element


def _walk(root: Element) -> list[Element]:
    """List ``root`` and all elements below it, including Figure sections."""
    found: list[Element] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        stack.extend(node._children.values())
        # Figure, Div and Popup keep header, html and script sections outside
        # _children. branca's Html uses ``script`` for a bool, hence the check.
        for section in ("header", "html", "script"):
            child = getattr(node, section, None)
            if isinstance(child, Element):
                stack.append(child)
    return found


def _localize_links(
    links: list[tuple[str, str]], base_url: str
) -> list[tuple[str, str]]:
    localized = []
    for name, url in links:
        local_url = _local_url(url, base_url, name=name)
        if local_url is not None:
            localized.append((name, local_url))
    return localized


def _localize_child_links(node: Element, base_url: str) -> None:
    for key, child in list(node._children.items()):
        if not isinstance(child, Link):
            continue
        local_url = _local_url(child.url, base_url, name=key)
        if local_url is None:
            del node._children[key]
        else:
            child.url = local_url


def _local_url(url: str, base_url: str, *, name: str) -> str | None:
    """Map a CDN URL to its local URL, or None when the asset is dropped."""
    if not _EXTERNAL_URL.match(url):
        return url
    if url in _DROPPED_CDN_URLS:
        logger.debug("Dropped map asset %s (%s)", name, url)
        return None
    if url not in _CDN_ASSETS:
        raise ExternalAssetError(
            f"Map asset {name!r} loads from the external URL {url!r}, which has "
            "no local copy. Add the URL to _CDN_ASSETS in app/assets.py with a "
            "package that ships the file, or remove the plugin that needs it."
        )

    library, filename = _CDN_ASSETS[url]
    version = VENDOR_LIBRARIES[library].version
    return f"{base_url}/{library}/{filename}?v={version}"


def external_urls(html: str, allowed_tile_url: str | None = None) -> list[str]:
    """List the external URLs a rendered page would load.

    Collects http(s) and protocol-relative URLs from ``<script src>``,
    ``<link href>``, ``src`` of img/iframe/source/audio/video/embed,
    ``<object data>``, and ``@import``/``url()`` in ``<style>`` blocks and
    ``style`` attributes. URLs built by JavaScript at run time, such as the
    tile URLs Leaflet requests, are not seen.

    Args:
        html: The rendered page.
        allowed_tile_url: A tile URL template to leave out of the result.

    Returns:
        The URLs in document order, without duplicates.
    """
    collector = _UrlCollector()
    collector.feed(html)
    collector.close()

    urls = []
    for url in collector.urls:
        if not _EXTERNAL_URL.match(url) or url == allowed_tile_url:
            continue
        if url not in urls:
            urls.append(url)
    return urls


_CSS_URL = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""",
    re.IGNORECASE,
)
_SRC_TAGS = {"script", "img", "iframe", "source", "audio", "video", "embed"}


class _UrlCollector(HTMLParser):
    """Collect the URLs of resources a page loads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag in _SRC_TAGS and values.get("src"):
            self.urls.append(values["src"].strip())
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"].strip())
        if tag == "object" and values.get("data"):
            self.urls.append(values["data"].strip())
        if values.get("style"):
            self._add_css_urls(values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._add_css_urls(data)

    def _add_css_urls(self, css: str) -> None:
        for match in _CSS_URL.finditer(css):
            self.urls.append(match.group(1) or match.group(2))
