"""Open311 GeoReport v2, exercised over HTTP the way a generic GeoReport client does."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app.intake import create_complaint
from app.intake_request import ComplaintRequest
from app.open311.records import RequestExtras
from app.open311.records import request_record
from app.status import Actor
from app.status import change_status

# Inside Sukarasa (36.71.01.1001), kecamatan Tangerang (36.71.01).
SUKARASA = ("-6.17", "106.63")
STAFF = Actor(kind="staff", label="test")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


class Reply:
    """An HTTP reply, its body parsed as GeoReport JSON or XML."""

    def __init__(self, status: int, headers, raw: bytes, fmt: str) -> None:
        self.status = status
        self.headers = headers
        self.raw = raw
        self.body = json.loads(raw) if fmt == "json" else ElementTree.fromstring(raw)


def xml_items(root: ElementTree.Element) -> list[dict]:
    """<root><item><field>text</field>...</item>...</root> as a list of dicts."""
    return [{child.tag: child.text for child in item} for item in root]


class GeoReportClient:
    """A minimal GeoReport v2 client that starts from the discovery URL alone."""

    def __init__(self, discovery_url: str) -> None:
        with urllib.request.urlopen(discovery_url, timeout=30) as response:
            discovery = json.load(response)
        [endpoint] = [
            e
            for e in discovery["endpoints"]
            if e["specification"].endswith("GeoReport_v2")
        ]
        self.base = endpoint["url"]
        self.formats = endpoint["formats"]

    def call(
        self,
        method: str,
        path: str,
        fmt: str = "json",
        params=None,
        form=None,
        body: bytes | None = None,
        headers=None,
    ) -> Reply:
        url = f"{self.base}/{path}.{fmt}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = body
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.headers, response.read(), fmt)
        except urllib.error.HTTPError as error:
            parsed_fmt = fmt if fmt in ("json", "xml") else "json"
            return Reply(error.code, error.headers, error.read(), parsed_fmt)

    def get(self, path: str, fmt: str = "json", **params) -> Reply:
        return self.call("GET", path, fmt, params=params)

    def post(self, form: dict, fmt: str = "json", **options) -> Reply:
        return self.call("POST", "requests", fmt, form=form, **options)


@pytest.fixture(scope="module")
def server(app, loaded_city):
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


@pytest.fixture
def client311(server, clean_complaints):
    return GeoReportClient(f"{server}/open311/v2/discovery.json")


def new_request(**fields) -> dict:
    form = {
        "service_code": "pju",
        "lat": SUKARASA[0],
        "long": SUKARASA[1],
        "description": "Lampu jalan mati di depan masjid",
    }
    form.update(fields)
    return {key: value for key, value in form.items() if value is not None}


def filed(client311, **fields) -> str:
    reply = client311.post(new_request(**fields))
    assert reply.status == 201, reply.raw
    return reply.body[0]["service_request_id"]


def past_complaint(
    app, received_at: datetime, category: str = "pju", **fields
) -> tuple[int, str]:
    """Store a complaint received in the past, as intake would; return id and code."""
    services = app.extensions["aduan"]
    request = ComplaintRequest(
        category=category,
        lat=-6.17,
        lon=106.63,
        location_source="gps",
        description=fields.pop("description", "Lampu mati lama"),
        **fields,
    )
    with services.new_session() as session:
        created = create_complaint(
            session, services.city, request, received_at=received_at
        )
        session.commit()
        return created.complaint.id, created.complaint.tracking_code


def set_status(app, complaint_id: int, *steps: tuple[str, str | None]) -> None:
    services = app.extensions["aduan"]
    with services.new_session() as session:
        for status, note in steps:
            change_status(session, complaint_id, status, actor=STAFF, note=note)
        session.commit()


def complaint_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM complaint")).scalar()


def error_of(reply: Reply, fmt: str = "json") -> tuple[int, str]:
    """The one (code, description) of a GeoReport error list, in either format."""
    if fmt == "xml":
        assert reply.body.tag == "errors"
        [error] = xml_items(reply.body)
        return int(error["code"]), error["description"]
    [error] = reply.body
    assert set(error) == {"code", "description"}
    return error["code"], error["description"]


# -- Discovery and services ------------------------------------------------------------


def test_discovery_names_endpoint_and_formats(client311, server):
    assert client311.base == f"{server}/open311/v2"
    assert set(client311.formats) == {"application/json", "text/xml"}


def test_discovery_xml(client311):
    reply = client311.get("discovery", "xml")
    endpoint = reply.body.find("endpoints/endpoint")
    assert reply.body.tag == "discovery"
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.find("formats")] == [
        "application/json",
        "text/xml",
    ]
    assert reply.raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_services_list_active_categories(client311, engine):
    reply = client311.get("services")
    with engine.connect() as conn:
        codes = set(
            conn.execute(
                text("SELECT code FROM category WHERE active AND city_code = '36.71'")
            ).scalars()
        )
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    assert {service["service_code"] for service in reply.body} == codes
    pju = next(service for service in reply.body if service["service_code"] == "pju")
    assert pju["metadata"] is False
    assert pju["type"] == "realtime"
    assert pju["service_name"].startswith("Lampu penerangan jalan")
    assert "Dinas Perhubungan" in pju["description"]


def test_services_xml_matches_json(client311):
    from_json = client311.get("services").body
    reply = client311.get("services", "xml")
    from_xml = xml_items(reply.body)
    assert reply.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert reply.body.tag == "services"
    assert [s["service_code"] for s in from_xml] == [
        s["service_code"] for s in from_json
    ]
    assert {s["metadata"] for s in from_xml} == {"false"}


def test_services_in_english(client311):
    reply = client311.get("services", lang="en")
    pju = next(service for service in reply.body if service["service_code"] == "pju")
    assert pju["service_name"] == "Street light (PJU) out or damaged"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_has_no_attributes(client311, fmt):
    reply = client311.get("services/pju", fmt)
    assert reply.status == 200
    if fmt == "json":
        assert reply.body == {"service_code": "pju", "attributes": []}
    else:
        assert reply.body.tag == "service_definition"
        assert reply.body.findtext("service_code") == "pju"
        assert list(reply.body.find("attributes")) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_unknown_code(client311, fmt):
    reply = client311.get("services/no-such-thing", fmt)
    assert reply.status == 404
    assert error_of(reply, fmt)[0] == 404


# -- Posting and reading back ----------------------------------------------------------


def test_post_then_read_back(client311):
    reply = client311.post(new_request(address_string="Depan Masjid Al-Ikhlas"))
    [created] = reply.body
    code = created["service_request_id"]
    assert reply.status == 201
    assert created["service_notice"].startswith("Target penyelesaian: 3 hari kerja")
    assert reply.headers["Location"] == f"/open311/v2/requests/{code}.json"

    [record] = client311.get(f"requests/{code}").body
    assert set(record) == REQUEST_FIELDS
    assert record["service_request_id"] == code
    assert record["status"] == "open"
    assert record["service_code"] == "pju"
    assert record["agency_responsible"] == "Dinas Perhubungan"
    assert record["lat"] == -6.17
    assert record["long"] == 106.63
    assert (
        record["address"]
        == "Depan Masjid Al-Ikhlas, Sukarasa, Tangerang, Kota Tangerang"
    )
    assert record["description"] == "Lampu jalan mati di depan masjid"
    assert record["media_url"] is None


def test_read_back_times_have_offsets(client311):
    code = filed(client311)
    [record] = client311.get(f"requests/{code}").body
    requested = datetime.fromisoformat(record["requested_datetime"])
    expected = datetime.fromisoformat(record["expected_datetime"])
    assert record["requested_datetime"].endswith("+07:00")
    assert abs(requested - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert expected > requested
    assert record["updated_datetime"] >= record["requested_datetime"]


def test_read_back_xml(client311):
    code = filed(client311)
    reply = client311.get(f"requests/{code}", "xml")
    [record] = xml_items(reply.body)
    assert reply.body.tag == "service_requests"
    assert set(record) == REQUEST_FIELDS
    assert record["service_request_id"] == code
    assert record["status"] == "open"
    assert float(record["lat"]) == -6.17
    assert record["media_url"] is None


def test_post_xml_reply(client311):
    reply = client311.post(new_request(), "xml")
    [created] = xml_items(reply.body)
    assert reply.status == 201
    assert created["service_request_id"].startswith("ADU-")
    assert created["account_id"] is None


def test_post_routes_like_intake(client311, engine):
    code = filed(
        client311,
        service_code="saluran-tersumbat",
        description="Saluran air depan rumah tersumbat sampah",
    )
    [record] = client311.get(f"requests/{code}").body
    with engine.connect() as conn:
        channel = conn.execute(
            text("SELECT channel FROM complaint WHERE tracking_code = :c"), {"c": code}
        ).scalar()
    assert record["agency_responsible"].startswith("Kecamatan")
    assert channel == "open311"


def test_post_contact_kept_private(client311, engine):
    code = filed(
        client311,
        first_name="Siti",
        last_name="Aminah",
        phone="0812-3456-7890",
        email="siti@example.org",
        description="Lampu mati, hubungi saya di 0812 3456 7890",
    )
    raw = (
        client311.get(f"requests/{code}").raw
        + client311.get("requests", service_request_id=code).raw
    )
    with engine.connect() as conn:
        contact = conn.execute(
            text("SELECT name, phone, email FROM complaint_contact")
        ).one()
    assert contact == ("Siti Aminah", "081234567890", "siti@example.org")
    assert b"Siti" not in raw
    assert b"siti@" not in raw
    assert b"7890" not in raw


def test_non_spatial_service_without_location(client311):
    code = filed(
        client311,
        service_code="adminduk",
        lat=None,
        long=None,
        address_string="Kantor kelurahan",
        description="KTP elektronik belum jadi tiga bulan",
    )
    [record] = client311.get(f"requests/{code}").body
    assert record["lat"] is None
    assert record["long"] is None


def test_idempotency_key_replays(client311, engine):
    first = client311.post(new_request(), headers={"Idempotency-Key": "o311-retry-1"})
    second = client311.post(new_request(), headers={"Idempotency-Key": "o311-retry-1"})
    assert first.status == 201
    assert second.status == 200
    assert second.body == first.body
    assert complaint_count(engine) == 1


# -- Statuses and public fields --------------------------------------------------------


def test_status_mapping_and_notes(app, client311):
    waiting = past_complaint(app, datetime.now(timezone.utc) - timedelta(hours=4))
    working = past_complaint(app, datetime.now(timezone.utc) - timedelta(hours=3))
    done = past_complaint(app, datetime.now(timezone.utc) - timedelta(hours=2))
    rejected = past_complaint(app, datetime.now(timezone.utc) - timedelta(hours=1))
    set_status(app, working[0], ("proses", None))
    set_status(
        app,
        done[0],
        ("proses", None),
        ("selesai", "Lampu diganti, hubungi 081298765432"),
    )
    set_status(app, rejected[0], ("ditolak", "Lampu milik perumahan swasta"))
    ids = ",".join(code for _, code in (waiting, working, done, rejected))
    records = {
        r["service_request_id"]: r
        for r in client311.get("requests", service_request_id=ids).body
    }
    assert records[waiting[1]]["status"] == "open"
    assert records[working[1]]["status"] == "open"
    assert records[done[1]]["status"] == "closed"
    assert records[rejected[1]]["status"] == "closed"
    assert records[rejected[1]]["status_notes"] == "Lampu milik perumahan swasta"
    assert records[done[1]]["status_notes"] == "Lampu diganti, hubungi ************"
    assert records[waiting[1]]["status_notes"] is None
    assert records[done[1]]["updated_datetime"] > records[done[1]]["requested_datetime"]


def test_confidential_withholds_texts(app, client311):
    _, code = past_complaint(
        app,
        datetime.now(timezone.utc) - timedelta(hours=1),
        confidential=True,
        address_note="Rumah no 5",
        description="Tetangga membuang limbah ke saluran",
    )
    [record] = client311.get(f"requests/{code}").body
    assert record["description"] is None
    assert record["address"] == "Sukarasa, Tangerang, Kota Tangerang"
    assert b"limbah" not in client311.get(f"requests/{code}", "xml").raw


def test_record_media_url_and_confidential_photo(app, client311):
    complaint_id, code = past_complaint(app, datetime.now(timezone.utc))
    services = app.extensions["aduan"]
    from app.models import Complaint

    with services.new_session() as session:
        complaint = session.get(Complaint, complaint_id)
        extras = RequestExtras(photo_url="http://127.0.0.1/photos/a.jpg")
        shown = request_record(complaint, services.city, "id", extras)
        complaint.confidential = True
        hidden = request_record(complaint, services.city, "id", extras)
        session.rollback()
    assert shown["media_url"] == "http://127.0.0.1/photos/a.jpg"
    assert hidden["media_url"] is None


def test_media_url_of_report_photo(app, client311, server, engine):
    complaint_id, code = past_complaint(app, datetime.now(timezone.utc))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO complaint_photo (complaint_id, kind, stored_name, "
                "content_type, width, height, byte_size) "
                "VALUES (:id, 'report', 'a1b2c3.jpg', 'image/jpeg', 10, 10, 100)"
            ),
            {"id": complaint_id},
        )
    [record] = client311.get(f"requests/{code}").body
    if "citizen.photo" in app.view_functions:
        assert record["media_url"].startswith(server)
        assert record["media_url"].endswith("a1b2c3.jpg")
    else:
        assert record["media_url"] is None


def test_xml_escapes_hostile_text(client311):
    description = 'Lampu <script>alert("x")</script> & ]]> mati\x01\x07 di gang'
    code = filed(client311, description=description)
    reply = client311.get(f"requests/{code}", "xml")
    [record] = xml_items(reply.body)
    assert (
        record["description"] == 'Lampu <script>alert("x")</script> & ]]> mati di gang'
    )
    assert b"<script>" not in reply.raw


# -- Listing and filters ---------------------------------------------------------------


def test_list_defaults_to_last_90_days(app, client311):
    now = datetime.now(timezone.utc)
    _, recent = past_complaint(app, now - timedelta(days=10))
    _, old = past_complaint(app, now - timedelta(days=100))
    codes = [r["service_request_id"] for r in client311.get("requests").body]
    assert codes == [recent]


def test_list_newest_first(app, client311):
    now = datetime.now(timezone.utc)
    _, older = past_complaint(app, now - timedelta(days=2))
    _, newer = past_complaint(app, now - timedelta(days=1))
    assert [r["service_request_id"] for r in client311.get("requests").body] == [
        newer,
        older,
    ]


def test_list_by_date_range(app, client311):
    base = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    _, before = past_complaint(app, base - timedelta(days=5))
    _, inside = past_complaint(app, base)
    _, after = past_complaint(app, base + timedelta(days=5))
    reply = client311.get(
        "requests",
        start_date="2026-03-09T00:00:00Z",
        end_date="2026-03-11T00:00:00+07:00",
    )
    assert [r["service_request_id"] for r in reply.body] == [inside]
    dates = client311.get("requests", start_date="2026-03-05", end_date="2026-03-10")
    assert {r["service_request_id"] for r in dates.body} == {before, inside}
    assert after not in {r["service_request_id"] for r in dates.body}


def test_list_start_date_only_spans_90_days(app, client311):
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    _, within = past_complaint(app, base + timedelta(days=80))
    _, beyond = past_complaint(app, base + timedelta(days=100))
    codes = {
        r["service_request_id"]
        for r in client311.get("requests", start_date="2026-01-01T00:00:00Z").body
    }
    assert codes == {within}


def test_list_by_ids_overrides_filters(app, client311):
    now = datetime.now(timezone.utc)
    _, first = past_complaint(app, now - timedelta(days=200))
    _, second = past_complaint(app, now - timedelta(days=1))
    reply = client311.get(
        "requests",
        service_request_id=f"{first}, {second},ADU-1999-9",
        status="closed",
        start_date="2020-01-01T00:00:00Z",
    )
    assert {r["service_request_id"] for r in reply.body} == {first, second}


def test_list_by_ids_xml(app, client311):
    _, code = past_complaint(app, datetime.now(timezone.utc))
    reply = client311.get("requests", "xml", service_request_id=code.lower())
    assert [r["service_request_id"] for r in xml_items(reply.body)] == [code]


def test_list_by_status_and_service_code(app, client311):
    now = datetime.now(timezone.utc)
    lamp, lamp_code = past_complaint(app, now - timedelta(hours=3))
    _, road_code = past_complaint(
        app,
        now - timedelta(hours=2),
        category="jalan-rusak",
        description="Jalan berlubang besar",
    )
    _, drain_code = past_complaint(
        app,
        now - timedelta(hours=1),
        category="saluran-tersumbat",
        description="Saluran tersumbat sampah",
    )
    set_status(app, lamp, ("proses", None), ("selesai", None))
    closed = client311.get("requests", status="closed").body
    opened = client311.get(
        "requests", status="open", service_code="jalan-rusak,pju"
    ).body
    both = client311.get("requests", status="open,closed").body
    assert [r["service_request_id"] for r in closed] == [lamp_code]
    assert [r["service_request_id"] for r in opened] == [road_code]
    assert len(both) == 3
    assert drain_code in {r["service_request_id"] for r in both}


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "90"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"end_date": "0001-01-01T00:00:00Z"}, "9999"),
        ({"start_date": "9999-12-31"}, "9999"),
    ],
)
def test_list_bad_filters(client311, params, fragment):
    reply = client311.get("requests", **params)
    code, description = error_of(reply)
    assert reply.status == 400
    assert code == 400
    assert fragment in description


def test_list_span_of_exactly_90_days(client311):
    reply = client311.get("requests", start_date="2026-01-01", end_date="2026-03-31")
    assert reply.status == 200


def test_unknown_request_id_is_404(client311):
    for fmt in ("json", "xml"):
        reply = client311.get("requests/ADU-1999-000001", fmt)
        assert reply.status == 404
        assert error_of(reply, fmt)[0] == 404


def test_wrong_jurisdiction_is_404(client311):
    reply = client311.get("services", jurisdiction_id="boston")
    assert reply.status == 404
    assert "jurisdiction_id" in error_of(reply)[1]


def test_right_jurisdiction_accepted(client311):
    assert client311.get("services", jurisdiction_id="36.71").status == 200


# -- Hostile input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": "  "}, "service_code"),
        ({"service_code": "nope"}, "service_code"),
        ({"lat": "abc"}, "lat"),
        ({"lat": "nan"}, "lat"),
        ({"long": "Infinity"}, "long"),
        ({"lat": "-95", "long": "106.63"}, "lat"),
        ({"lat": "-6.17", "long": "190"}, "long"),
        ({"long": None}, "long"),
        ({"lat": None, "long": None}, "lat"),
        (
            {"lat": None, "long": None, "address_string": "Jl. Merdeka 1"},
            "address_string",
        ),
        ({"description": None}, "description"),
        ({"description": "x" * 2001}, "2000"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"first_name": "x" * 120}, "first_name"),
    ],
)
def test_post_rejects_bad_fields(client311, engine, fields, fragment):
    for fmt in ("json", "xml"):
        reply = client311.post(new_request(**fields), fmt)
        code, description = error_of(reply, fmt)
        assert reply.status == 400, reply.raw
        assert code == 400
        assert fragment in description
    assert complaint_count(engine) == 0


def test_post_swapped_coordinates_hint(client311, engine):
    reply = client311.post(
        new_request(lat=SUKARASA[1], long=SUKARASA[0]),
        headers={"Accept-Language": "en"},
    )
    code, description = error_of(reply)
    assert reply.status == 400
    assert "Latitude and longitude look swapped" in description
    assert complaint_count(engine) == 0


def test_post_outside_city_is_422(client311):
    reply = client311.post(new_request(lat="-6.30"))
    assert reply.status == 422
    assert error_of(reply)[0] == 422


def test_post_huge_body_never_500(client311, engine):
    reply = client311.post(new_request(description="x" * 1_000_000))
    assert reply.status in (400, 413)
    assert error_of(reply)[0] == reply.status
    assert complaint_count(engine) == 0


def test_post_json_body_is_415(client311, engine):
    body = json.dumps(new_request()).encode()
    reply = client311.call(
        "POST", "requests", body=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 415
    assert "x-www-form-urlencoded" in error_of(reply)[1]
    assert complaint_count(engine) == 0


@pytest.mark.parametrize(
    "path, params",
    [
        ("requests", {"service_request_id": "ADU\x00"}),
        ("requests", {"service_code": "\x00"}),
        ("requests", {"start_date": "\x00"}),
        ("services", {"jurisdiction_id": "\x00"}),
        ("services/%00", {}),
        ("requests/%00", {}),
    ],
)
def test_nul_character_is_400(client311, path, params):
    reply = client311.get(path, **params)
    assert reply.status == 400
    assert "NUL" in error_of(reply)[1]


def test_post_nul_character_is_400(client311, engine):
    reply = client311.post(new_request(service_code="pju\x00"))
    assert reply.status == 400
    assert error_of(reply)[1].startswith("service_code:")
    assert complaint_count(engine) == 0


def test_post_multipart_form_accepted(client311):
    boundary = "o311boundary"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        f"{value}\r\n"
        for key, value in new_request().items()
    )
    body = f"{parts}--{boundary}--\r\n".encode()
    reply = client311.call(
        "POST",
        "requests",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert reply.status == 201


def test_post_ignores_api_key_and_media_url(client311):
    code = filed(
        client311, api_key="whatever", media_url="http://169.254.169.254/x.jpg"
    )
    [record] = client311.get(f"requests/{code}").body
    assert record["media_url"] is None


@pytest.mark.parametrize("path", ["requests", "services", "discovery", "services/pju"])
def test_unknown_format_is_404_in_spec_shape(client311, path):
    reply = client311.get(path, "csv")
    code, description = error_of(reply)
    assert reply.status == 404
    assert code == 404
    assert ".csv" in description


def test_post_unknown_format_is_404(client311, engine):
    reply = client311.post(new_request(), "csv")
    assert reply.status == 404
    assert complaint_count(engine) == 0


def test_unknown_path_is_404_in_spec_shape(client311):
    for path in ("nothing", "requests/a/b", "tokens/abc"):
        reply = client311.get(path)
        assert reply.status == 404
        assert error_of(reply)[0] == 404


def test_wrong_method_is_405_in_spec_shape(client311):
    reply = client311.call("DELETE", "requests")
    code, _ = error_of(reply)
    assert reply.status == 405
    assert code == 405
    assert reply.headers["Allow"] == "GET, POST"


def test_wrong_method_xml(client311):
    reply = client311.call("PUT", "services", "xml")
    assert reply.status == 405
    assert error_of(reply, "xml")[0] == 405
