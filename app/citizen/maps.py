"""Folium maps for the citizen pages, embedded in our own templates.

Folium writes popup and tooltip HTML into JavaScript template literals without
escaping `${...}` or backslashes, and into a script block where `</script>`
would end it. :func:`js_safe_html` makes text safe for all three contexts.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from folium.map import FitBounds
from markupsafe import Markup
from markupsafe import escape

from app.assets import localize_map
from app.config import Settings

# The tile servers this project is configured with serve zoom levels up to 19.
TILE_MAX_ZOOM = 19

# Characters that end or interpolate a JavaScript template literal, as HTML
# character references; the browser shows them as the characters themselves.
_TEMPLATE_LITERAL_REFERENCES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map split into the pieces a page template places."""

    name: str
    header: Markup
    html: Markup
    script: Markup


def js_safe_html(value: object) -> Markup:
    """Escape text, or finish escaped HTML, for a folium popup or tooltip.

    Plain strings are HTML-escaped first; Markup is taken as already escaped.
    Then backticks, dollar signs and backslashes become character references,
    so the result can sit inside a template literal in a script block: no
    `</script>`, no `${...}` and no escape sequence survives.
    """
    html = str(escape(value))
    return Markup("".join(_TEMPLATE_LITERAL_REFERENCES.get(ch, ch) for ch in html))


def new_map(settings: Settings, bounds: tuple) -> folium.Map:
    """Create a map fitted to bounds ((south, west), (north, east)) with the tiles."""
    (south, west), (north, east) = bounds
    city_map = point_map(settings, (south + north) / 2, (west + east) / 2, zoom=12)
    fit = FitBounds([list(bounds[0]), list(bounds[1])])
    # Without animation the map shows its final view at once, and a tap right
    # after loading hits the marker it aims at.
    fit.options["animate"] = False
    city_map.add_child(fit)
    return city_map


def point_map(settings: Settings, lat: float, lon: float, zoom: int) -> folium.Map:
    """Create a map centred on a point at a fixed zoom, with the configured tiles."""
    city_map = folium.Map(
        location=(lat, lon), zoom_start=zoom, tiles=None, control_scale=True,
        max_zoom=TILE_MAX_ZOOM,
    )
    folium.TileLayer(
        tiles=settings.tile_url, attr=settings.tile_attribution,
        max_zoom=TILE_MAX_ZOOM, max_native_zoom=TILE_MAX_ZOOM, name="tiles",
    ).add_to(city_map)
    return city_map


def embed_map(city_map: folium.Map) -> MapParts:
    """Render a map into parts for a page, with local assets and without page styles.

    Folium's own header sets ``html, body {height: 100%}`` and a viewport that
    forbids zooming the page; both are dropped, and the page's stylesheet sizes
    the map instead.
    """
    localize_map(city_map)
    root = city_map.get_root()
    root.render()
    root.header._children.pop(city_map.get_name(), None)
    root.header._children.pop("meta_http", None)
    return MapParts(
        name=city_map.get_name(),
        header=Markup(root.header.render()),
        html=Markup(root.html.render()),
        script=Markup(root.script.render()),
    )
