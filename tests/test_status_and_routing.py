"""Status machine, history, re-routing and service-area routing on real PostGIS."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import text

from app.intake import create_complaint
from app.intake_request import parse_complaint_request
from app.status import Actor
from app.status import change_status
from app.status import reroute
from geo.boundary_files import read_boundary_file
from tests.conftest import boundary_dir

STAFF = Actor(kind="staff", label="tester")
SUKARASA = (-6.17, 106.63)


def new_complaint(app, category="pju", lat=SUKARASA[0], lon=SUKARASA[1], **extra):
    services = app.extensions["aduan"]
    body = {"category": category, "description": "Lampu jalan mati total", **extra}
    if lat is not None:
        body.update(lat=lat, lon=lon)
    with services.new_session() as session:
        created = create_complaint(session, services.city, parse_complaint_request(body))
        session.commit()
        return created.complaint


def history(engine, complaint_id):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT kind, from_status, to_status, note FROM complaint_event "
            "WHERE complaint_id = :id ORDER BY id"), {"id": complaint_id}).all()


def set_status(app, complaint_id, to_status, **options):
    with app.extensions["aduan"].new_session() as session:
        event = change_status(session, complaint_id, to_status, actor=STAFF, **options)
        session.commit()
        return event


def test_full_lifecycle_is_recorded(app, engine, clean_complaints):
    complaint = new_complaint(app)
    set_status(app, complaint.id, "proses")
    set_status(app, complaint.id, "selesai", note="Lampu diganti")
    events = history(engine, complaint.id)
    assert [e.kind for e in events] == ["created", "status", "status"]
    assert [(e.from_status, e.to_status) for e in events[1:]] == [
        ("menunggu", "proses"), ("proses", "selesai")]
    with engine.connect() as conn:
        finished = conn.execute(text("SELECT finished_at FROM complaint WHERE id = :id"),
                                {"id": complaint.id}).scalar()
    assert finished is not None


@pytest.mark.parametrize("path, to_status", [
    ((), "selesai"), (("proses", "selesai"), "menunggu"), (("ditolak",), "proses"),
    ((), "menunggu"),
])
def test_invalid_transitions_rejected(app, engine, clean_complaints, path, to_status):
    from app.errors import ApiError

    complaint = new_complaint(app)
    for step in path:
        set_status(app, complaint.id, step, note="alasan")
    before = len(history(engine, complaint.id))
    with pytest.raises(ApiError) as raised:
        set_status(app, complaint.id, to_status, note="alasan")
    assert raised.value.status == 409
    assert raised.value.code == "invalid_transition"
    assert len(history(engine, complaint.id)) == before


def test_reject_needs_reason(app, clean_complaints):
    from app.errors import ApiError

    complaint = new_complaint(app)
    with pytest.raises(ApiError) as raised:
        set_status(app, complaint.id, "ditolak")
    assert raised.value.code == "reason_required"


def test_reopen_goes_back_to_proses(app, engine, clean_complaints):
    complaint = new_complaint(app)
    set_status(app, complaint.id, "proses")
    set_status(app, complaint.id, "selesai")
    set_status(app, complaint.id, "proses", note="Lampu mati lagi")
    events = history(engine, complaint.id)
    assert events[-1].kind == "reopen"
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, reopen_count, finished_at FROM complaint "
                                "WHERE id = :id"), {"id": complaint.id}).one()
    assert row.status == "proses"
    assert row.reopen_count == 1
    assert row.finished_at is None


def test_expected_status_conflict(app, clean_complaints):
    from app.errors import ApiError

    complaint = new_complaint(app)
    set_status(app, complaint.id, "proses", expected_status="menunggu")
    with pytest.raises(ApiError) as raised:
        set_status(app, complaint.id, "proses", expected_status="menunggu")
    assert raised.value.code == "status_conflict"


def test_concurrent_takes_give_one_change(app, engine, clean_complaints):
    """Two sessions take the same task at once: the row lock lets exactly one win."""
    from app.errors import ApiError

    complaint = new_complaint(app)
    barrier = threading.Barrier(2)
    outcomes = []

    def take():
        with app.extensions["aduan"].new_session() as session:
            barrier.wait()
            try:
                change_status(session, complaint.id, "proses", actor=STAFF,
                              expected_status="menunggu")
                session.commit()
                outcomes.append(200)
            except ApiError as error:
                session.rollback()
                outcomes.append(error.status)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [200, 409]
    assert [e.kind for e in history(engine, complaint.id)].count("status") == 1


def test_history_is_append_only(engine, app, clean_complaints):
    complaint = new_complaint(app)
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE complaint_event SET note = 'x' WHERE complaint_id = :id"),
                         {"id": complaint.id})


def test_reroute_records_both_opds(app, engine, clean_complaints):
    complaint = new_complaint(app)
    with app.extensions["aduan"].new_session() as session:
        reroute(session, complaint.id, "DPUPR", actor=STAFF, reason="Tiang milik DPUPR")
        session.commit()
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT o1.code AS source, o2.code AS target, e.note FROM complaint_event e "
            "JOIN opd o1 ON o1.id = e.from_opd_id JOIN opd o2 ON o2.id = e.to_opd_id "
            "WHERE e.complaint_id = :id AND e.kind = 'reroute'"), {"id": complaint.id}).one()
        rule = conn.execute(text("SELECT routing_rule FROM complaint WHERE id = :id"),
                            {"id": complaint.id}).scalar()
    assert (row.source, row.target) == ("DISHUB", "DPUPR")
    assert row.note == "Tiang milik DPUPR"
    assert rule == "manual"


def test_reroute_rejects_unknown_opd(app, clean_complaints):
    from app.errors import ApiError

    complaint = new_complaint(app)
    with pytest.raises(ApiError) as raised:
        with app.extensions["aduan"].new_session() as session:
            reroute(session, complaint.id, "NOPE", actor=STAFF, reason="x")
    assert raised.value.code == "unknown_opd"


def test_cli_set_status_and_reroute(app, runner, clean_complaints):
    from app.cli import cli

    code = new_complaint(app).tracking_code
    result = runner.invoke(cli, ["complaints", "set-status", code, "proses"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["complaints", "set-status", code, "menunggu"])
    assert result.exit_code == 1
    assert "reason is required" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["complaints", "reroute", code, "DPUPR", "--reason", "x"])
    assert result.exit_code == 0, result.output


# --- service areas -------------------------------------------------------------

def square(lon, lat, half):
    return [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]


def write_service_areas(tmp_path, features):
    path = tmp_path / "service_areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties, "geometry": geometry}
        for properties, geometry in features]}))
    return path


@pytest.fixture
def service_areas(app, runner, engine, tmp_path, loaded_city):
    """Areas around Sukarasa: a low-priority square for every category, a high-priority
    PJU square with a hole at the test point's east, and a two-part PJU area."""
    lat, lon = SUKARASA
    outer = square(lon, lat, 0.004)
    hole = square(lon + 0.002, lat, 0.0005)
    features = [
        ({"code": "sa-all", "name": "Semua", "opd_code": "DLH", "priority": 1},
         {"type": "Polygon", "coordinates": [square(lon, lat, 0.006)]}),
        ({"code": "sa-pju", "name": "PJU", "opd_code": "DPUPR", "category_code": "pju",
          "priority": 5}, {"type": "Polygon", "coordinates": [outer, hole]}),
        ({"code": "sa-multi", "name": "Dua bagian", "opd_code": "SATPOLPP",
          "category_code": "pju", "priority": 9},
         {"type": "MultiPolygon", "coordinates": [[square(106.60, -6.20, 0.001)],
                                                  [square(lon - 0.003, lat, 0.0005)]]}),
    ]
    from app.cli import cli

    result = runner.invoke(cli, ["service-areas", "load",
                                 str(write_service_areas(tmp_path, features))])
    assert result.exit_code == 0, result.output
    yield
    with engine.begin() as conn:
        conn.execute(text("UPDATE service_area SET active = false"))


def routed(app, engine, lat, lon, category="pju"):
    complaint = new_complaint(app, category=category, lat=lat, lon=lon)
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT opd.code, c.routing_rule FROM complaint c JOIN opd ON opd.id = c.opd_id "
            "WHERE c.id = :id"), {"id": complaint.id}).one()


def test_service_area_priority_wins(app, engine, clean_complaints, service_areas):
    assert tuple(routed(app, engine, *SUKARASA)) == ("DPUPR", "service_area")


def test_service_area_for_all_categories(app, engine, clean_complaints, service_areas):
    assert tuple(routed(app, engine, *SUKARASA, category="sampah")) == (
        "DLH", "service_area")


def test_service_area_hole_falls_through(app, engine, clean_complaints, service_areas):
    lat, lon = SUKARASA
    assert tuple(routed(app, engine, lat, lon + 0.002)) == ("DLH", "service_area")


def test_service_area_second_part(app, engine, clean_complaints, service_areas):
    lat, lon = SUKARASA
    assert tuple(routed(app, engine, lat, lon - 0.003)) == ("SATPOLPP", "service_area")


def test_service_area_bad_opd_rejected(app, runner, tmp_path, loaded_city):
    from app.cli import cli

    path = write_service_areas(tmp_path, [(
        {"code": "x", "name": "x", "opd_code": "NOPE"},
        {"type": "Polygon", "coordinates": [square(106.63, -6.17, 0.001)]})])
    result = runner.invoke(cli, ["service-areas", "load", str(path)])
    assert result.exit_code == 1
    assert "opd_code 'NOPE'" in result.output


# --- boundary, overlap and gap points through intake ----------------------------

def kelurahan_shapes():
    files = read_boundary_file(boundary_dir() / "kelurahan.geojson")
    return {f.properties["code"]: f.geometry for f in files.features}


def test_intake_records_overlap_and_gap(app, engine, clean_complaints):
    import shapely

    shapes = kelurahan_shapes()
    first, second = shapes["36.71.07.1016"], shapes["36.71.10.1005"]
    overlap_point = first.intersection(second).representative_point()
    union = shapely.union_all(list(shapes.values()))
    holes = [shapely.Polygon(ring) for part in shapely.get_parts(union)
             for ring in part.interiors]
    gap_point = max(holes, key=lambda hole: hole.area).representative_point()

    for point, match in ((overlap_point, "overlap"), (gap_point, "gap")):
        complaint = new_complaint(app, lat=point.y, lon=point.x)
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT c.area_match, c.area_distance_m, kel.parent_code, kec.code AS kec "
                "FROM complaint c JOIN area kel ON kel.id = c.area_id "
                "JOIN area kec ON kec.id = c.parent_area_id WHERE c.id = :id"),
                {"id": complaint.id}).one()
        assert row.area_match == match
        assert row.parent_code == row.kec
        if match == "gap":
            assert row.area_distance_m > 0


def test_intake_flags_near_border(app, engine, clean_complaints):
    shapes = kelurahan_shapes()
    edge = shapes["36.71.01.1001"].geoms[0].exterior.interpolate(0.37, normalized=True)
    complaint = new_complaint(app, lat=edge.y, lon=edge.x, accuracy_m=30)
    with engine.connect() as conn:
        near = conn.execute(text("SELECT near_border FROM complaint WHERE id = :id"),
                            {"id": complaint.id}).scalar()
    assert near is not None
    assert near["candidates"]


def test_resolve_near_border_moves_area(app, engine, runner, clean_complaints):
    from app.cli import cli

    shapes = kelurahan_shapes()
    edge = shapes["36.71.01.1001"].geoms[0].exterior.interpolate(0.37, normalized=True)
    complaint = new_complaint(app, lat=edge.y, lon=edge.x, accuracy_m=30)
    with engine.connect() as conn:
        near = conn.execute(text("SELECT near_border FROM complaint WHERE id = :id"),
                            {"id": complaint.id}).scalar()
    other = near["candidates"][0]["code"]

    result = runner.invoke(cli, ["complaints", "resolve-area", complaint.tracking_code,
                                 "36.71.99.9999"])
    assert result.exit_code == 1
    assert "not one of the candidates" in result.output

    result = runner.invoke(cli, ["complaints", "resolve-area", complaint.tracking_code,
                                 other])
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT kel.code, kel.parent_code, kec.code AS kec, c.near_border_resolved_at "
            "FROM complaint c JOIN area kel ON kel.id = c.area_id "
            "JOIN area kec ON kec.id = c.parent_area_id WHERE c.id = :id"),
            {"id": complaint.id}).one()
    assert row.code == other
    assert row.parent_code == row.kec
    assert row.near_border_resolved_at is not None
    assert history(engine, complaint.id)[-1].kind == "area_resolved"

    result = runner.invoke(cli, ["complaints", "resolve-area", complaint.tracking_code,
                                 other])
    assert result.exit_code == 1
