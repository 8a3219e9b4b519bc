"""A reproducible demo year of complaints for Kota Tangerang, written through intake.

The year is shaped like the city's published year: 14,012 complaints, of
which 13,421 were finished (selesai), 571 waiting (menunggu) and 20 in
progress (proses) at the end of the year. Street lights (PJU) and roads lead
the category mix, drains and flooding peak in the rainy months, points are
spread over the kelurahan with a few dense clusters, and finishing times
follow each category's SLA in working days. Every complaint goes through
`app.intake.create_complaint` and every later change through `app.status`,
so locating, routing, due dates and history are those of real intake.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from dataclasses import field

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import City
from app.errors import ApiError
from app.intake import create_complaint
from app.intake import working_calendar
from app.intake_request import ComplaintRequest
from app.queries.heatmap import find_area_shapes
from app.status import Actor
from app.status import change_status
from app.status import reroute
from app.workdays import WorkingCalendar

log = logging.getLogger(__name__)

CHANNEL = "demo"
STAFF = Actor(kind="staff", label="demo")
CITIZEN = Actor(kind="citizen")


@dataclass(frozen=True)
class DemoTargets:
    """Statuses at the end of the demo year; their sum is the number of complaints."""

    selesai: int = 13_421
    menunggu: int = 571
    proses: int = 20
    ditolak: int = 0

    @property
    def total(self) -> int:
        """Number of complaints in the year."""
        return self.selesai + self.menunggu + self.proses + self.ditolak


#: Share of complaints per category code, led by street lights and roads.
CATEGORY_WEIGHTS = {
    "pju": 0.27,
    "jalan-rusak": 0.19,
    "saluran-tersumbat": 0.08,
    "sampah": 0.08,
    "genangan": 0.06,
    "lampu-lalu-lintas": 0.04,
    "pohon-tumbang": 0.04,
    "ketertiban-umum": 0.04,
    "parkir-liar": 0.03,
    "trotoar-rusak": 0.03,
    "air-bersih": 0.03,
    "taman": 0.02,
    "banjir": 0.01,
    "adminduk": 0.02,
    "aplikasi-kota": 0.015,
    "kesehatan": 0.01,
    "sekolah": 0.005,
}
#: Categories that rise in the rainy season (November to March), and by how much.
RAINY_CATEGORIES = {
    "genangan": 2.5,
    "banjir": 4.0,
    "saluran-tersumbat": 1.8,
    "pohon-tumbang": 1.5,
}
RAINY_MONTHS = (1, 2, 3, 11, 12)
MONTH_WEIGHTS = (1.12, 1.15, 1.05, 0.95, 0.92, 0.9, 0.9, 0.92, 0.95, 1.0, 1.06, 1.08)
#: Complaints per hour of the day (local time), from 0 to 23.
HOUR_WEIGHTS = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.3,
    0.8,
    1.5,
    2.4,
    2.8,
    2.6,
    2.3,
    2.0,
    1.8,
    1.9,
    1.8,
    1.6,
    1.5,
    1.4,
    1.5,
    1.9,
    2.0,
    1.6,
    1.0,
    0.5,
)
#: Share of complaints on Saturdays and Sundays, and on holidays, against a weekday.
WEEKEND_FACTOR = 0.65
#: Share of located complaints that fall in a cluster (a market, a busy road).
CLUSTER_SHARE = 0.22
CLUSTER_COUNT = 10
#: Share of complaints in categories without a required location that have one.
OPTIONAL_LOCATION_SHARE = 0.25
FINISHED_ON_TIME = 0.88
REOPEN_SHARE = 0.015
REROUTE_SHARE = 0.02

_PLACES = (
    "depan masjid",
    "dekat pasar",
    "di ujung gang",
    "depan sekolah",
    "dekat pertigaan",
    "samping kantor kelurahan",
    "depan minimarket",
    "dekat jembatan",
    "di jalan utama",
    "depan pos ronda",
    "dekat halte",
    "di dalam perumahan",
)
_DESCRIPTIONS = {
    "pju": (
        "Lampu PJU mati {place}, jalan gelap di malam hari.",
        "Lampu jalan berkedip-kedip {place}.",
        "Tiang lampu PJU miring {place}.",
    ),
    "lampu-lalu-lintas": (
        "Lampu lalu lintas mati {place}.",
        "Lampu merah tidak berganti {place}.",
    ),
    "jalan-rusak": (
        "Jalan berlubang {place}, membahayakan pengendara motor.",
        "Aspal mengelupas {place}.",
        "Jalan retak dan amblas {place}.",
    ),
    "trotoar-rusak": (
        "Trotoar rusak {place}.",
        "Penutup saluran di trotoar hilang {place}.",
    ),
    "saluran-tersumbat": (
        "Saluran air tersumbat sampah {place}.",
        "Got mampet dan berbau {place}.",
    ),
    "genangan": (
        "Air menggenang setelah hujan {place}.",
        "Genangan tidak surut {place}.",
    ),
    "banjir": ("Rumah warga kebanjiran {place}.", "Banjir setinggi lutut {place}."),
    "sampah": (
        "Sampah menumpuk belum diangkut {place}.",
        "Tempat pembuangan sampah liar {place}.",
    ),
    "pohon-tumbang": (
        "Pohon tumbang menutup jalan {place}.",
        "Dahan pohon rawan patah {place}.",
    ),
    "taman": ("Bangku taman rusak {place}.", "Taman tidak terawat {place}."),
    "parkir-liar": (
        "Parkir liar memakan badan jalan {place}.",
        "Kendaraan parkir di trotoar {place}.",
    ),
    "ketertiban-umum": (
        "Pedagang kaki lima menutup trotoar {place}.",
        "Reklame liar terpasang {place}.",
    ),
    "air-bersih": (
        "Air PDAM tidak mengalir sejak kemarin {place}.",
        "Pipa air bocor {place}.",
    ),
    "adminduk": (
        "Pengajuan KK belum selesai sejak bulan lalu.",
        "Data KTP-el belum diperbarui.",
    ),
    "aplikasi-kota": (
        "Tidak bisa masuk ke aplikasi Tangerang LIVE.",
        "Pendaftaran akun aplikasi gagal.",
    ),
    "kesehatan": ("Antrean puskesmas terlalu lama.", "Obat di puskesmas kosong."),
    "sekolah": (
        "Informasi penerimaan murid baru kurang jelas.",
        "Fasilitas kelas rusak.",
    ),
}
_REOPEN_NOTE = "Masalah muncul lagi, mohon dicek ulang."
_REROUTE_NOTE = "Dialihkan ke OPD yang berwenang di lokasi ini."
_REJECT_NOTE = "Bukan kewenangan Pemerintah Kota Tangerang."


@dataclass(frozen=True)
class PlannedEvent:
    """A change after intake: a status change or a reroute."""

    at: dt.datetime
    to_status: str | None
    actor: Actor = STAFF
    note: str | None = None

    @property
    def is_reroute(self) -> bool:
        return self.to_status is None


@dataclass
class PlannedComplaint:
    """One demo complaint and its history, before it is written."""

    received_at: dt.datetime
    category: str
    description: str
    lon: float | None
    lat: float | None
    events: list[PlannedEvent] = field(default_factory=list)


@dataclass(frozen=True)
class DemoCity:
    """Categories and kelurahan shapes that the demo plan reads from the database."""

    sla_days: dict[str, int]
    location_required: dict[str, bool]
    kelurahan: list  # shapely (Multi)Polygons
    outline: object


def read_demo_city(session: Session, city: City) -> DemoCity:
    """Read the active categories and the current kelurahan of the city.

    Raises:
        ValueError: no categories or no boundaries are loaded.
    """
    rows = session.execute(
        text(
            "SELECT code, sla_working_days, location_required FROM category "
            "WHERE city_code = :city AND active"
        ),
        {"city": city.code},
    ).all()
    conn = session.connection()
    kelurahan = find_area_shapes(conn, city.code, len(city.levels))
    outline = find_area_shapes(conn, city.code, 0)
    if not rows or not kelurahan or not outline:
        raise ValueError(
            f"City {city.code} has no categories or no boundaries: run "
            "`aduan boundaries load` and `aduan config load` first."
        )
    return DemoCity(
        sla_days={row.code: row.sla_working_days for row in rows},
        location_required={row.code: row.location_required for row in rows},
        kelurahan=[shapely.from_geojson(shape.geometry) for shape in kelurahan],
        outline=shapely.from_geojson(outline[0].geometry),
    )


def _day_weights(
    year: int, calendar: WorkingCalendar
) -> tuple[list[dt.date], np.ndarray]:
    days = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        days.append(day)
        day += dt.timedelta(days=1)
    weights = np.array(
        [
            MONTH_WEIGHTS[day.month - 1]
            * (1.0 if calendar.is_working_day(day) else WEEKEND_FACTOR)
            for day in days
        ]
    )
    return days, weights / weights.sum()


def receipt_times(
    rng: np.random.Generator, year: int, count: int, calendar: WorkingCalendar
) -> list[dt.datetime]:
    """Draw receipt instants over the year, sorted, by month, weekday and hour."""
    days, weights = _day_weights(year, calendar)
    hours = np.asarray(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    day_index = rng.choice(len(days), size=count, p=weights)
    hour = rng.choice(24, size=count, p=hours)
    seconds = rng.integers(0, 3600, size=count)
    zone = calendar.timezone
    instants = [
        dt.datetime.combine(days[d], dt.time(int(h)), tzinfo=zone)
        + dt.timedelta(seconds=int(s))
        for d, h, s in zip(day_index, hour, seconds, strict=True)
    ]
    return sorted(instant.astimezone(dt.timezone.utc) for instant in instants)


def draw_categories(
    rng: np.random.Generator, months: list[int], known: list[str]
) -> list[str]:
    """Draw a category per complaint from the mix, with rainy-season peaks."""
    codes = [code for code in CATEGORY_WEIGHTS if code in known] or sorted(known)
    base = np.array([CATEGORY_WEIGHTS.get(code, 0.01) for code in codes])
    rainy = base * np.array([RAINY_CATEGORIES.get(code, 1.0) for code in codes])
    chosen = []
    for month in months:
        weights = rainy if month in RAINY_MONTHS else base
        chosen.append(codes[rng.choice(len(codes), p=weights / weights.sum())])
    return chosen


def _points_in(rng: np.random.Generator, polygon, count: int) -> np.ndarray:
    """Draw points uniformly inside a polygon by rejection from its bounds."""
    min_x, min_y, max_x, max_y = polygon.bounds
    shapely.prepare(polygon)
    found = np.empty((0, 2))
    while len(found) < count:
        x = rng.uniform(min_x, max_x, size=2 * count + 16)
        y = rng.uniform(min_y, max_y, size=2 * count + 16)
        inside = shapely.contains_xy(polygon, x, y)
        found = np.vstack([found, np.column_stack([x[inside], y[inside]])])
    return found[:count]


@dataclass(frozen=True)
class Cluster:
    """A dense spot of complaints, such as a market or a busy junction."""

    lon: float
    lat: float
    sigma_m: float


def make_clusters(
    rng: np.random.Generator, demo_city: DemoCity, kelurahan_weights: np.ndarray
) -> list[Cluster]:
    """Place the clusters in kelurahan drawn by weight."""
    picks = rng.choice(
        len(demo_city.kelurahan), size=CLUSTER_COUNT, p=kelurahan_weights
    )
    clusters = []
    for pick in picks:
        lon, lat = _points_in(rng, demo_city.kelurahan[pick], 1)[0]
        clusters.append(Cluster(float(lon), float(lat), float(rng.uniform(120, 350))))
    return clusters


def kelurahan_weights(rng: np.random.Generator, demo_city: DemoCity) -> np.ndarray:
    """Weight each kelurahan by its area and a random density factor."""
    areas = np.array([polygon.area for polygon in demo_city.kelurahan])
    weights = np.sqrt(areas) * rng.lognormal(0.0, 0.5, size=len(areas))
    return weights / weights.sum()


def draw_point(
    rng: np.random.Generator,
    demo_city: DemoCity,
    inner_outline,
    weights: np.ndarray,
    clusters: list[Cluster],
) -> tuple[float, float]:
    """Draw one location: around a cluster, or anywhere in a kelurahan."""
    if rng.random() < CLUSTER_SHARE:
        cluster = clusters[rng.integers(len(clusters))]
        for _attempt in range(20):
            dx, dy = rng.normal(0.0, cluster.sigma_m, size=2)
            lat = cluster.lat + dy / 111_320
            lon = cluster.lon + dx / (111_320 * math.cos(math.radians(cluster.lat)))
            if shapely.contains_xy(inner_outline, lon, lat):
                return lon, lat
    polygon = demo_city.kelurahan[rng.choice(len(weights), p=weights)]
    for _attempt in range(20):
        lon, lat = _points_in(rng, polygon, 1)[0]
        if shapely.contains_xy(inner_outline, lon, lat):
            return float(lon), float(lat)
    return float(lon), float(lat)


def choose_final_statuses(
    rng: np.random.Generator,
    received: list[dt.datetime],
    targets: DemoTargets,
    year_end: dt.datetime,
) -> list[str]:
    """Pick which complaints are still open, or rejected, at the end of the year.

    Open complaints are mostly recent ones (an exponential weight on their age)
    with a thin backlog of older ones; rejections are spread over the year.
    """
    age_days = np.array(
        [(year_end - instant).total_seconds() / 86400 for instant in received]
    )
    statuses = np.full(len(received), "selesai", dtype=object)
    free = np.ones(len(received), dtype=bool)
    for status, count, scale_days, backlog in (
        ("proses", targets.proses, 6.0, 0.01),
        ("menunggu", targets.menunggu, 12.0, 0.03),
        ("ditolak", targets.ditolak, 1e9, 1.0),
    ):
        if count == 0:
            continue
        weights = (np.exp(-age_days / scale_days) + backlog) * free
        picks = rng.choice(
            len(received), size=count, replace=False, p=weights / weights.sum()
        )
        statuses[picks] = status
        free[picks] = False
    return list(statuses)


def working_instant(
    rng: np.random.Generator,
    calendar: WorkingCalendar,
    start: dt.datetime,
    working_days: int,
    after: dt.datetime,
) -> dt.datetime:
    """Return an office-hours instant on the n-th working day after start's start day.

    The instant is at least 20 minutes after ``after``.
    """
    day = calendar.local_date(calendar.add_working_days(start, int(working_days)))
    opening = dt.datetime.combine(day, dt.time(8), tzinfo=calendar.timezone)
    instant = opening + dt.timedelta(minutes=float(rng.uniform(0, 510)))
    if instant <= after:
        instant = after + dt.timedelta(minutes=float(rng.uniform(20, 180)))
    return instant.astimezone(dt.timezone.utc)


def _finish_working_days(rng: np.random.Generator, first: int, sla: int) -> int:
    if rng.random() < FINISHED_ON_TIME:
        if sla <= first:
            return first
        return int(round(rng.triangular(first, first, sla)))
    return int(rng.integers(sla + 1, 3 * sla + 2))


def plan_history(
    rng: np.random.Generator,
    calendar: WorkingCalendar,
    received: dt.datetime,
    final_status: str,
    sla: int,
    year_end: dt.datetime,
    rerouted: bool,
) -> list[PlannedEvent]:
    """Plan the changes that lead a complaint to its status at the end of the year.

    Durations follow the SLA in working days: most complaints are taken up on
    the day or the next working day and finished within the SLA, some late.
    A few are rerouted first, and a few finished ones are reopened once.
    """
    events: list[PlannedEvent] = []
    last = received
    if rerouted:
        last = received + dt.timedelta(hours=float(rng.uniform(0.5, 6)))
        events.append(PlannedEvent(last, None, STAFF, _REROUTE_NOTE))
    if final_status == "ditolak":
        at = working_instant(rng, calendar, received, int(rng.integers(0, 3)), last)
        events.append(PlannedEvent(at, "ditolak", STAFF, _REJECT_NOTE))
    elif final_status in ("proses", "selesai"):
        first = int(rng.choice(3, p=(0.6, 0.3, 0.1)))
        in_progress = working_instant(rng, calendar, received, first, last)
        events.append(PlannedEvent(in_progress, "proses"))
        if final_status == "selesai":
            days = _finish_working_days(rng, first, sla)
            finished = working_instant(rng, calendar, received, days, in_progress)
            events.append(PlannedEvent(finished, "selesai"))
            if rng.random() < REOPEN_SHARE:
                events.extend(_reopening(rng, calendar, finished))
    return _fit_before(events, received, year_end)


def _reopening(
    rng: np.random.Generator, calendar: WorkingCalendar, finished: dt.datetime
) -> list[PlannedEvent]:
    reopened = finished + dt.timedelta(days=float(rng.uniform(1, 5)))
    done = working_instant(rng, calendar, reopened, int(rng.integers(1, 4)), reopened)
    return [
        PlannedEvent(reopened, "proses", CITIZEN, _REOPEN_NOTE),
        PlannedEvent(done, "selesai"),
    ]


def _fit_before(
    events: list[PlannedEvent], received: dt.datetime, year_end: dt.datetime
) -> list[PlannedEvent]:
    """Keep the history inside the year: drop a late reopening, else compress."""
    if not events or events[-1].at < year_end:
        return events
    if len(events) >= 2 and events[-2].actor is CITIZEN:
        return _fit_before(events[:-2], received, year_end)
    window = year_end - received
    count = len(events)
    return [
        PlannedEvent(
            received + window * (0.2 + 0.7 * index / count),
            event.to_status,
            event.actor,
            event.note,
        )
        for index, event in enumerate(events)
    ]


def plan_year(
    seed: int,
    year: int,
    targets: DemoTargets,
    demo_city: DemoCity,
    calendar: WorkingCalendar,
) -> list[PlannedComplaint]:
    """Plan every complaint of the demo year, in order of receipt.

    The same seed, year, targets and city give the same plan.
    """
    rng = np.random.default_rng(seed)
    zone = calendar.timezone
    year_end = dt.datetime(year + 1, 1, 1, tzinfo=zone).astimezone(dt.timezone.utc)
    received = receipt_times(rng, year, targets.total, calendar)
    months = [instant.astimezone(zone).month for instant in received]
    categories = draw_categories(rng, months, list(demo_city.sla_days))
    statuses = choose_final_statuses(rng, received, targets, year_end)
    weights = kelurahan_weights(rng, demo_city)
    clusters = make_clusters(rng, demo_city, weights)
    # About 11 m inside the outline, so no drawn point is placed outside the city.
    inner_outline = demo_city.outline.buffer(-0.0001)
    shapely.prepare(inner_outline)

    plans = []
    for instant, category, status in zip(received, categories, statuses, strict=True):
        located = (
            demo_city.location_required[category]
            or rng.random() < OPTIONAL_LOCATION_SHARE
        )
        lon, lat = (
            draw_point(rng, demo_city, inner_outline, weights, clusters)
            if located
            else (None, None)
        )
        templates = _DESCRIPTIONS.get(category, ("Mohon ditindaklanjuti {place}.",))
        description = templates[rng.integers(len(templates))].format(
            place=_PLACES[rng.integers(len(_PLACES))]
        )
        events = plan_history(
            rng,
            calendar,
            instant,
            status,
            demo_city.sla_days[category],
            year_end,
            rerouted=rng.random() < REROUTE_SHARE,
        )
        plans.append(PlannedComplaint(instant, category, description, lon, lat, events))
    return plans


@dataclass(frozen=True)
class RerouteTargets:
    """OPD codes a reroute can hand a complaint to."""

    category_opd: dict[str, str]
    kecamatan_office: dict[str, str]
    opd_kind: dict[int, tuple[str, str | None]]


def read_reroute_targets(session: Session, city: City) -> RerouteTargets:
    """Read each category's OPD and the kecamatan offices of the city."""
    categories = session.execute(
        text(
            "SELECT c.code, o.code FROM category c JOIN opd o ON o.id = c.opd_id "
            "WHERE c.city_code = :city"
        ),
        {"city": city.code},
    ).all()
    opds = session.execute(
        text(
            "SELECT id, code, kind, kecamatan_code FROM opd WHERE city_code = :city "
            "AND active"
        ),
        {"city": city.code},
    ).all()
    return RerouteTargets(
        category_opd=dict(categories),
        kecamatan_office={
            row.kecamatan_code: row.code for row in opds if row.kecamatan_code
        },
        opd_kind={row.id: (row.code, row.kind) for row in opds},
    )


def _reroute_target(complaint, category: str, targets: RerouteTargets) -> str | None:
    """Hand a kecamatan office's complaint to the category's OPD, and back."""
    current_code, kind = targets.opd_kind.get(complaint.opd_id, (None, None))
    if kind == "kecamatan":
        target = targets.category_opd.get(category)
    else:
        parent = complaint.parent_area
        target = targets.kecamatan_office.get(parent.code) if parent else None
    return target if target and target != current_code else None


@dataclass(frozen=True)
class DemoResult:
    """Counts of what `write_demo` stored, and its duration."""

    complaints: int
    events: int
    skipped: int
    seconds: float


def write_plan(
    session: Session, city: City, plan: PlannedComplaint, targets: RerouteTargets
) -> int:
    """Write one planned complaint through intake and the status machine.

    Returns:
        The number of changes written after intake.
    """
    request = ComplaintRequest(
        category=plan.category,
        description=plan.description,
        lat=plan.lat,
        lon=plan.lon,
        accuracy_m=15.0 if plan.lat is not None else None,
        location_source="gps" if plan.lat is not None else None,
    )
    created = create_complaint(
        session, city, request, channel=CHANNEL, received_at=plan.received_at
    )
    complaint = created.complaint
    written = 0
    for event in plan.events:
        if event.is_reroute:
            target = _reroute_target(complaint, plan.category, targets)
            if target is None:
                continue
            reroute(
                session,
                complaint.id,
                target,
                actor=event.actor,
                reason=event.note,
                at=event.at,
            )
        else:
            change_status(
                session,
                complaint.id,
                event.to_status,
                actor=event.actor,
                note=event.note,
                at=event.at,
            )
        written += 1
    return written


def write_demo(
    session: Session,
    city: City,
    plans: list[PlannedComplaint],
    batch_size: int = 500,
    progress=None,
) -> DemoResult:
    """Write the planned complaints, committing once per batch.

    Args:
        session: A session of its own; it is committed after every batch.
        city: The city of the complaints.
        plans: The complaints from `plan_year`, in order of receipt.
        batch_size: Complaints per transaction.
        progress: Called with the number written after each batch, if given.
    """
    started = time.perf_counter()
    targets = read_reroute_targets(session, city)
    complaints = events = skipped = 0
    for index, plan in enumerate(plans, start=1):
        try:
            with session.begin_nested():
                events += write_plan(session, city, plan, targets)
            complaints += 1
        except ApiError as error:
            skipped += 1
            log.warning("demo complaint %d skipped: %s", index, error.code)
        if index % batch_size == 0 or index == len(plans):
            session.commit()
            session.expunge_all()
            if progress is not None:
                progress(index)
    return DemoResult(complaints, events, skipped, time.perf_counter() - started)


def count_complaints(session: Session, city: City) -> int:
    """Count the city's complaints, to honour ``--if-empty``."""
    return session.execute(
        text("SELECT count(*) FROM complaint WHERE city_code = :city"),
        {"city": city.code},
    ).scalar_one()


def generate_demo(
    session: Session,
    city: City,
    year: int,
    seed: int,
    targets: DemoTargets = DemoTargets(),
    batch_size: int = 500,
    progress=None,
) -> DemoResult:
    """Plan and write a demo year for the city.

    Raises:
        ValueError: categories or boundaries are missing.
    """
    calendar = working_calendar(city.timezone, city.holiday_country)
    demo_city = read_demo_city(session, city)
    plans = plan_year(seed, year, targets, demo_city, calendar)
    log.info("demo year %d planned: %d complaints", year, len(plans))
    return write_demo(session, city, plans, batch_size, progress)
