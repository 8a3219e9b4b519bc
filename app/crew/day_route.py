"""A crew's route for the day: picked or nearest tasks in a short visiting order."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timezone

from sqlalchemy.engine import Connection

from app.auth import Staff
from app.config import City
from app.crew.params import TaskQuery
from app.crew.tasks import Task
from app.crew.tasks import list_nearest
from app.crew.tasks import task_from_row
from app.errors import ApiError
from app.errors import NotFound
from app.models import OPEN_STATUSES
from app.queries.tasks import find_tasks_by_code
from geo.geodesy import distance_m
from geo.route_order import geo_uri
from geo.route_order import osm_directions_url
from geo.route_order import plan_route


@dataclass(frozen=True)
class RouteStop:
    """One numbered stop of a route, with the leg that leads to it."""

    number: int
    task: Task
    leg_m: float
    geo_uri: str
    directions_url: str


@dataclass(frozen=True)
class DayRoute:
    """Stops in visiting order from the crew's position, straight-line distances.

    Attributes:
        method: "exact" when the order is the shortest possible, "heuristic"
            when it comes from nearest neighbour improved by 2-opt.
    """

    lon: float
    lat: float
    stops: list[RouteStop]
    total_m: float
    method: str


def find_picked_tasks(
    conn: Connection, staff: Staff, city: City, codes: list[str], language: str
) -> list[Task]:
    """Load the picked tasks in the given order.

    Raises:
        NotFound: 404 for a code that does not exist or belongs to another OPD;
            both give the same reply.
        ApiError: 409 task_closed for a complaint that is no longer open.
    """
    rows = find_tasks_by_code(conn, city.code, codes)
    now = datetime.now(timezone.utc)
    tasks = []
    for code in codes:
        row = rows.get(code)
        if row is None or not staff.can_work_opd(row.opd_id):
            raise NotFound("Aduan", "Complaint", code)
        if row.status not in OPEN_STATUSES or row.lat is None:
            raise ApiError(
                409,
                "task_closed",
                f"Aduan {code} berstatus {row.status} dan bukan tugas terbuka lagi.",
                f"Complaint {code} is {row.status} and no longer an open task.",
                field="code",
                value=code,
            )
        tasks.append(task_from_row(row, staff, language, now))
    return tasks


def route_tasks(
    conn: Connection,
    staff: Staff,
    city: City,
    query: TaskQuery,
    codes: list[str],
    language: str,
) -> list[Task]:
    """Return the picked tasks, or the query's nearest page when none are picked."""
    if codes:
        return find_picked_tasks(conn, staff, city, codes, language)
    tasks, _ = list_nearest(conn, staff, city, query, language)
    return tasks


def plan_day_route(lon: float, lat: float, tasks: list[Task]) -> DayRoute:
    """Order tasks into a short open route starting at (lon, lat).

    Each stop gets a geo: URI and an OpenStreetMap directions link from the
    previous stop (from the start for the first).
    """
    route = plan_route((lon, lat), [(task.lon, task.lat) for task in tasks])
    stops = []
    previous = (lon, lat)
    legs = zip(route.order, route.legs_m, strict=True)
    for number, (index, leg_m) in enumerate(legs, start=1):
        task = tasks[index]
        if task.distance_m is None:
            task = replace(task, distance_m=distance_m(lon, lat, task.lon, task.lat))
        stops.append(
            RouteStop(
                number=number,
                task=task,
                leg_m=leg_m,
                geo_uri=geo_uri(task.lon, task.lat),
                directions_url=osm_directions_url(previous, (task.lon, task.lat)),
            )
        )
        previous = (task.lon, task.lat)
    return DayRoute(
        lon=lon, lat=lat, stops=stops, total_m=route.total_m, method=route.method
    )
