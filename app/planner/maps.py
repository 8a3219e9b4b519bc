"""Folium maps of the planner pages: base map, outlines, choropleths and cell layers.

Cell layers (heatmap cells and hotspot cells) are sent to the page as compact
arrays and drawn on a canvas by static/js/planner/cells.js, which builds every
tooltip from text nodes. Area layers use folium.GeoJson; their tooltips go
through innerHTML, so every string in their properties is HTML-escaped here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from html import escape

import folium
from branca.element import CssLink
from branca.element import JavascriptLink
from folium.elements import JSCSSMixin
from folium.plugins import HeatMap
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from app.assets import localize_map
from app.config import Settings
from app.i18n import current_language
from app.queries.heatmap import AreaShape

log = logging.getLogger(__name__)

MAX_ZOOM = 19
#: Zoom at which the city fills a desktop map; the map then fits the city.
START_ZOOM = 12
_LEAFLET_HEAT = dict(HeatMap.default_js)["leaflet-heat.js"]


class CellLayer(JSCSSMixin):
    """A layer of grid cells drawn by cells.js from a compact JSON payload."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.petaAduanCells.addTo(
            {{ this._parent.get_name() }}, {{ this.payload_json }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict, script_url: str, heat: bool = False) -> None:
        super().__init__()
        self._name = "CellLayer"
        # Compact JSON, with <, > and & escaped so it cannot close the script.
        self.payload_json = htmlsafe_json_dumps(payload, separators=(",", ":"))
        self.default_js = [("planner_cells", script_url)]
        if heat:
            self.default_js.append(("leaflet_heat", _LEAFLET_HEAT))


def number_locale() -> str:
    """Return the BCP 47 language tag that cells.js formats tooltip numbers with."""
    return "en" if current_language() == "en" else "id-ID"


def new_map(
    settings: Settings, bounds: tuple[float, float, float, float]
) -> folium.Map:
    """Create a map over (min_lon, min_lat, max_lon, max_lat) with the city's tiles.

    The tile layer may fail to load on a closed network; the outlines and cells
    drawn on top still show.
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    centre = [(min_lat + max_lat) / 2, (min_lon + max_lon) / 2]
    folium_map = folium.Map(
        location=centre,
        zoom_start=START_ZOOM,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    folium.TileLayer(
        tiles=settings.tile_url,
        attr=settings.tile_attribution,
        max_zoom=MAX_ZOOM,
        max_native_zoom=MAX_ZOOM,
        name="tiles",
        control=False,
    ).add_to(folium_map)
    folium_map.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    return folium_map


def _feature_collection(shapes: list[AreaShape], properties: dict[str, dict]) -> dict:
    features = []
    for shape in shapes:
        values = {"name": shape.name, **properties.get(shape.code, {})}
        features.append(
            {
                "type": "Feature",
                "id": shape.code,
                "geometry": json.loads(shape.geometry),
                "properties": {
                    key: escape(value) if isinstance(value, str) else value
                    for key, value in values.items()
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def add_outlines(
    folium_map: folium.Map, shapes: list[AreaShape], weight: float
) -> None:
    """Draw area borders over the cells, without fill and without mouse events.

    Leaflet hit-tests the inside of a polygon on a canvas even when it is not
    filled, so interactive outlines would take every hover from the cells.
    """
    folium.GeoJson(
        _feature_collection(shapes, {}),
        style_function=lambda _feature: {
            "color": "#3e4c59",
            "weight": weight,
            "fill": False,
            "opacity": 0.8,
        },
        control=False,
        interactive=False,
    ).add_to(folium_map)


def add_choropleth(
    folium_map: folium.Map,
    shapes: list[AreaShape],
    colors: dict[str, str],
    tooltips: dict[str, dict[str, str]],
    aliases: list[str],
) -> None:
    """Fill each area with its class colour; tooltips show name and figures.

    Args:
        folium_map: The map to draw on.
        shapes: The areas, with their GeoJSON geometry.
        colors: Fill colour per area code; areas without one are grey.
        tooltips: Formatted figures per area code, in the order of ``aliases``.
        aliases: Translated labels of the tooltip rows after the name.
    """
    fields = ["name", *next(iter(tooltips.values()), {}).keys()]

    def style(feature: dict) -> dict:
        return {
            "fillColor": colors.get(feature["id"], "#d9d9d9"),
            "fillOpacity": 0.75,
            "color": "#3e4c59",
            "weight": 1,
        }

    folium.GeoJson(
        _feature_collection(shapes, tooltips),
        style_function=style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#1f2933"},
        tooltip=folium.GeoJsonTooltip(
            fields=fields,
            aliases=[escape(alias) for alias in ["", *aliases]],
            labels=True,
        ),
        control=False,
    ).add_to(folium_map)


@dataclass(frozen=True)
class MapEmbed:
    """The parts of rendered Folium maps to place in a page template."""

    head: Markup
    bodies: list[Markup]
    script: Markup


def embed_maps(*maps: folium.Map) -> MapEmbed:
    """Render maps for one page: shared script and style links, one div each.

    Folium's own page styles (full-height body, a viewport that blocks zoom)
    are left out, so the page layout stays the site's.
    """
    links: dict[str, str] = {}
    bodies = []
    scripts = []
    for folium_map in maps:
        localize_map(folium_map)
        root = folium_map.get_root()
        root.render()
        for child in root.header._children.values():
            if isinstance(child, (JavascriptLink, CssLink)):
                links.setdefault(child.url, child.render())
        bodies.append(Markup(root.html.render()))
        scripts.append(root.script.render())
    return MapEmbed(
        head=Markup("\n".join(links.values())),
        bodies=bodies,
        script=Markup("\n".join(scripts)),
    )
