"""Folium maps of the crew pages: nearest tasks around a position, and the day's route.

Both maps draw the city outline as well, so they still show where things are
when the tiles fail to load.
"""

from __future__ import annotations

import json

import folium
from flask import url_for
from flask_babel import gettext
from markupsafe import Markup
from shapely.geometry import shape

from app.citizen.maps import MapParts
from app.citizen.maps import embed_map
from app.citizen.maps import js_safe_html
from app.citizen.maps import new_map
from app.config import Settings
from app.crew.day_route import DayRoute
from app.crew.tasks import Task

# Kota Tangerang's extent, for pages drawn before boundaries are loaded.
FALLBACK_BOUNDS = ((-6.26, 106.56), (-6.09, 106.73))
# Half the side, in degrees, of the view around a position without tasks (about 1 km).
POSITION_VIEW_DEG = 0.009

OVERDUE_COLOUR = "#b3261e"
TASK_COLOUR = "#0b6e4f"
POSITION_COLOUR = "#1d4ed8"


def _outline_bounds(outline_geojson: str | None) -> tuple:
    if not outline_geojson:
        return FALLBACK_BOUNDS
    west, south, east, north = shape(json.loads(outline_geojson)).bounds
    return (south, west), (north, east)


def _add_outline(city_map: folium.Map, outline_geojson: str | None) -> None:
    if not outline_geojson:
        return
    folium.GeoJson(
        json.loads(outline_geojson),
        name="outline",
        style_function=lambda _feature: {
            "color": "#52606d",
            "weight": 2,
            "fill": False,
        },
        interactive=False,
    ).add_to(city_map)


def _add_position(city_map: folium.Map, lat: float, lon: float) -> None:
    folium.CircleMarker(
        location=(lat, lon),
        radius=9,
        color="#ffffff",
        weight=3,
        fill=True,
        fill_color=POSITION_COLOUR,
        fill_opacity=1,
        bubbling_mouse_events=False,
        tooltip=js_safe_html(gettext("Your position")),
    ).add_to(city_map)


def _task_popup(task: Task) -> Markup:
    url = url_for("crew.task", code=task.tracking_code)
    return Markup('<a href="{}">{}</a><br>{}').format(
        url, task.tracking_code, task.category_name
    )


def _fit(city_map: folium.Map, points: list[tuple[float, float]]) -> None:
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    if len(points) == 1:
        lat, lon = points[0]
        lats += [lat - POSITION_VIEW_DEG, lat + POSITION_VIEW_DEG]
        lons += [lon - POSITION_VIEW_DEG, lon + POSITION_VIEW_DEG]
    city_map.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])


def tasks_map(
    settings: Settings,
    outline_geojson: str | None,
    position: tuple[float, float] | None,
    tasks: list[Task],
    radius_m: float | None,
) -> MapParts:
    """Draw the position, the radius and one marker per task (red when overdue).

    Args:
        position: (lat, lon) of the crew, or None to show the whole city.
    """
    city_map = new_map(settings, _outline_bounds(outline_geojson))
    _add_outline(city_map, outline_geojson)
    for task in tasks:
        folium.CircleMarker(
            location=(task.lat, task.lon),
            radius=8,
            weight=2,
            color="#ffffff",
            fill=True,
            fill_opacity=0.9,
            bubbling_mouse_events=False,
            fill_color=OVERDUE_COLOUR if task.overdue else TASK_COLOUR,
            tooltip=js_safe_html(f"{task.tracking_code}: {task.category_name}"),
            popup=folium.Popup(js_safe_html(_task_popup(task))),
        ).add_to(city_map)
    if position is not None:
        lat, lon = position
        if radius_m is not None:
            folium.Circle(
                location=(lat, lon),
                radius=radius_m,
                color=POSITION_COLOUR,
                weight=1,
                fill=False,
                interactive=False,
            ).add_to(city_map)
        _add_position(city_map, lat, lon)
        _fit(city_map, [(lat, lon)] + [(task.lat, task.lon) for task in tasks])
    return embed_map(city_map)


def route_map(
    settings: Settings, outline_geojson: str | None, route: DayRoute
) -> MapParts:
    """Draw the route as a line from the position through numbered stops."""
    city_map = new_map(settings, _outline_bounds(outline_geojson))
    _add_outline(city_map, outline_geojson)
    path = [(route.lat, route.lon)] + [
        (stop.task.lat, stop.task.lon) for stop in route.stops
    ]
    if len(path) > 1:
        folium.PolyLine(path, color=POSITION_COLOUR, weight=4, opacity=0.8).add_to(
            city_map
        )
    for stop in route.stops:
        folium.Marker(
            location=(stop.task.lat, stop.task.lon),
            icon=folium.DivIcon(
                html=f'<div class="route-stop-number">{stop.number}</div>',
                icon_size=(28, 28),
                icon_anchor=(14, 14),
                class_name="route-stop",
            ),
            tooltip=js_safe_html(f"{stop.number}. {stop.task.tracking_code}"),
            popup=folium.Popup(js_safe_html(_task_popup(stop.task))),
        ).add_to(city_map)
    _add_position(city_map, route.lat, route.lon)
    _fit(city_map, path)
    return embed_map(city_map)
