"""Working a task on real PostGIS: take, notes, photos, finish, hand back, races."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.test_crew_support import SUKARASA
from tests.test_crew_support import bearer
from tests.test_crew_support import csrf_token
from tests.test_crew_support import events_of
from tests.test_crew_support import file_complaint
from tests.test_crew_support import jpeg_bytes
from tests.test_crew_support import login
from tests.test_crew_support import opd_id
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture


@pytest.fixture
def task(app, clean_complaints, staff_accounts):  # noqa: F811
    return file_complaint(app, *SUKARASA)


@pytest.fixture
def crew(client):
    return bearer(client, "crew-dpupr")


def post(client, headers, path, **kwargs):
    return client.post(path, headers=headers, **kwargs)


def photos_of(engine, complaint_id):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT p.kind, e.kind AS event_kind, e.is_public "
                "FROM complaint_photo p "
                "JOIN complaint_event e ON e.id = p.event_id "
                "WHERE p.complaint_id = :i ORDER BY p.id"
            ),
            {"i": complaint_id},
        ).all()


def status_of(engine, complaint_id):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status, assigned_user_id FROM complaint WHERE id = :i"),
            {"i": complaint_id},
        ).one()


def test_take_moves_to_proses_and_assigns(
    client,
    engine,
    task,
    crew,
    staff_accounts,  # noqa: F811
):
    complaint_id, code = task
    response = post(client, crew, f"/api/crew/tasks/{code}/take")
    assert response.status_code == 200
    assert response.json["status"] == "proses"
    assert status_of(engine, complaint_id) == ("proses", staff_accounts["crew-dpupr"])


def test_take_twice_by_same_crew_changes_nothing(client, engine, task, crew):
    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(client, crew, f"/api/crew/tasks/{code}/take")
    assert response.status_code == 200
    assert [e.kind for e in events_of(engine, complaint_id)] == ["created", "status"]


def test_take_after_another_crew_is_409(client, task, crew):
    _, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(
        client, bearer(client, "crew2-dpupr"), f"/api/crew/tasks/{code}/take"
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "task_taken"


def test_take_other_opd_is_404_like_missing(client, task):
    _, code = task
    other = bearer(client, "crew-dishub")
    foreign = post(client, other, f"/api/crew/tasks/{code}/take")
    missing = post(client, other, "/api/crew/tasks/ADU-2000-999999/take")
    assert foreign.status_code == missing.status_code == 404
    foreign_error = dict(foreign.json["error"], message=None, value=None)
    missing_error = dict(missing.json["error"], message=None, value=None)
    assert foreign_error == missing_error
    assert foreign.json["error"]["message"].replace(code, "X") == (
        missing.json["error"]["message"].replace("ADU-2000-999999", "X")
    )


def run_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def test_concurrent_takes_one_wins(app, client, engine, task):
    complaint_id, code = task
    tokens = [bearer(client, name) for name in ("crew-dpupr", "crew2-dpupr")]
    server, thread = run_server(app)
    barrier = threading.Barrier(2)
    results = []

    def take(headers):
        connection = http.client.HTTPConnection(
            "127.0.0.1", server.server_port, timeout=30
        )
        barrier.wait()
        connection.request("POST", f"/api/crew/tasks/{code}/take", headers=headers)
        reply = connection.getresponse()
        results.append((reply.status, json.loads(reply.read() or b"{}")))
        connection.close()

    workers = [threading.Thread(target=take, args=(headers,)) for headers in tokens]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    server.shutdown()
    thread.join(timeout=10)

    assert sorted(status for status, _ in results) == [200, 409]
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "task_taken"
    assert code in loser["error"]["message"]
    status_events = [e for e in events_of(engine, complaint_id) if e.kind == "status"]
    assert len(status_events) == 1


def test_note_is_public_event_with_progress_photo(client, engine, task, crew):
    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(
        client,
        crew,
        f"/api/crew/tasks/{code}/notes",
        data={
            "note": "Material sudah dipesan",
            "photo": (__import__("io").BytesIO(jpeg_bytes()), "a.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    note = events_of(engine, complaint_id)[-1]
    assert (note.kind, note.note, note.is_public) == (
        "note",
        "Material sudah dipesan",
        True,
    )
    assert [tuple(p) for p in photos_of(engine, complaint_id)] == [
        ("progress", "note", True)
    ]


def test_note_before_take_is_409(client, task, crew):
    _, code = task
    response = post(client, crew, f"/api/crew/tasks/{code}/notes", json={"note": "x"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "task_not_in_progress"


def test_note_without_text_is_400(client, task, crew):
    _, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(client, crew, f"/api/crew/tasks/{code}/notes", json={"note": " "})
    assert response.status_code == 400


def test_note_by_other_crew_member_is_403(client, task, crew):
    _, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(
        client,
        bearer(client, "crew2-dpupr"),
        f"/api/crew/tasks/{code}/notes",
        json={"note": "Saya bantu"},
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "task_not_yours"


def test_finish_without_photo_is_400(client, engine, task, crew):
    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(client, crew, f"/api/crew/tasks/{code}/finish", json={"note": "ok"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "result_photo_required"
    assert status_of(engine, complaint_id).status == "proses"


def test_finish_with_photo_is_selesai(client, engine, task, crew):
    import io

    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(
        client,
        crew,
        f"/api/crew/tasks/{code}/finish",
        data={
            "note": "Lubang sudah ditambal",
            "photo": (io.BytesIO(jpeg_bytes()), "hasil.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.json["status"] == "selesai"
    last = events_of(engine, complaint_id)[-1]
    assert (last.kind, last.to_status, last.note) == (
        "status",
        "selesai",
        "Lubang sudah ditambal",
    )
    assert [tuple(p) for p in photos_of(engine, complaint_id)] == [
        ("result", "status", True)
    ]


def test_finish_without_photo_when_opd_waives_it(app, client, engine, task, crew):
    from app.crew.settings import set_result_photo_required

    complaint_id, code = task
    with app.extensions["aduan"].new_session() as session:
        set_result_photo_required(session, opd_id(engine, "DPUPR"), False)
        session.commit()
    try:
        post(client, crew, f"/api/crew/tasks/{code}/take")
        response = post(client, crew, f"/api/crew/tasks/{code}/finish", json={})
    finally:
        with app.extensions["aduan"].new_session() as session:
            set_result_photo_required(session, opd_id(engine, "DPUPR"), True)
            session.commit()
    assert response.status_code == 200
    assert status_of(engine, complaint_id).status == "selesai"


def test_finish_rejects_a_non_image(client, engine, task, crew):
    import io

    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(
        client,
        crew,
        f"/api/crew/tasks/{code}/finish",
        data={"photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert response.json["error"]["field"] == "photo"
    assert status_of(engine, complaint_id).status == "proses"


def test_hand_back_returns_to_menunggu(client, engine, task, crew):
    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(
        client,
        crew,
        f"/api/crew/tasks/{code}/hand-back",
        json={"reason": "Perlu alat berat"},
    )
    assert response.status_code == 200
    assert status_of(engine, complaint_id) == ("menunggu", None)


def test_hand_back_needs_a_reason(client, task, crew):
    _, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    response = post(client, crew, f"/api/crew/tasks/{code}/hand-back", json={})
    assert response.status_code == 400


def test_status_page_history_has_no_staff_names(app, client, engine, task, crew):
    import io

    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    post(
        client,
        crew,
        f"/api/crew/tasks/{code}/finish",
        data={
            "note": "Selesai ditambal",
            "photo": (io.BytesIO(jpeg_bytes()), "hasil.jpg"),
        },
        content_type="multipart/form-data",
    )
    public = [e for e in events_of(engine, complaint_id) if e.is_public]
    assert any(e.note == "Selesai ditambal" for e in public)
    if "citizen.status" not in app.view_functions:
        pytest.skip("the citizen status page is not registered in this tree")
    page = client.get(f"/lacak/{code}").get_data(as_text=True)
    assert "Selesai ditambal" in page
    assert "crew-dpupr" not in page


def test_assign_by_opd_admin_is_internal(
    client,
    engine,
    task,
    staff_accounts,  # noqa: F811
):
    complaint_id, code = task
    login(client, "opdadmin-dpupr")
    response = client.post(
        f"/admin/aduan/{code}/tugaskan",
        data={"username": "crew2-dpupr", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert (
        status_of(engine, complaint_id).assigned_user_id
        == (staff_accounts["crew2-dpupr"])
    )
    assert events_of(engine, complaint_id)[-1].is_public is False


def test_assigned_task_cannot_be_taken_by_other_crew(client, task):
    _, code = task
    login(client, "opdadmin-dpupr")
    client.post(
        f"/admin/aduan/{code}/tugaskan",
        data={"username": "crew2-dpupr", "csrf_token": csrf_token(client)},
    )
    response = post(
        client, bearer(client, "crew-dpupr"), f"/api/crew/tasks/{code}/take"
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "task_assigned"


def test_assign_crew_of_other_opd_is_rejected(client, engine, task):
    complaint_id, code = task
    login(client, "opdadmin-dpupr")
    response = client.post(
        f"/admin/aduan/{code}/tugaskan",
        data={"username": "crew-dishub", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    assert status_of(engine, complaint_id).assigned_user_id is None


def test_reject_needs_reason_and_closes(client, engine, task):
    complaint_id, code = task
    login(client, "opdadmin-dpupr")
    empty = client.post(
        f"/admin/aduan/{code}/tolak",
        data={"reason": "", "csrf_token": csrf_token(client)},
    )
    done = client.post(
        f"/admin/aduan/{code}/tolak",
        data={"reason": "Bukan jalan kota", "csrf_token": csrf_token(client)},
    )
    assert empty.status_code == 400
    assert done.status_code == 303
    assert status_of(engine, complaint_id).status == "ditolak"


def test_reroute_moves_task_to_other_opd(client, engine, task):
    complaint_id, code = task
    login(client, "opdadmin-dpupr")
    response = client.post(
        f"/admin/aduan/{code}/alihkan",
        data={
            "opd": "DISHUB",
            "reason": "Lampu lalu lintas",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT opd_id FROM complaint WHERE id = :i"), {"i": complaint_id}
        ).scalar() == opd_id(engine, "DISHUB")
    after = post(client, bearer(client, "crew-dpupr"), f"/api/crew/tasks/{code}/take")
    assert after.status_code == 404


def test_crew_cannot_reject(client, task):
    _, code = task
    login(client, "crew-dpupr")
    response = client.post(
        f"/admin/aduan/{code}/tolak",
        data={"reason": "x", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 403


def test_task_page_take_and_finish_with_photo(client, engine, task):
    import io

    complaint_id, code = task
    login(client, "crew-dpupr")
    page = client.get(f"/petugas/tugas/{code}")
    assert page.status_code == 200
    taken = client.post(
        f"/petugas/tugas/{code}/ambil", data={"csrf_token": csrf_token(client)}
    )
    assert taken.status_code == 303
    finished = client.post(
        f"/petugas/tugas/{code}/selesai",
        data={
            "csrf_token": csrf_token(client),
            "note": "Beres",
            "photo": (io.BytesIO(jpeg_bytes()), "hasil.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert finished.status_code == 303
    assert status_of(engine, complaint_id).status == "selesai"


def test_task_page_conflict_shows_message_with_409(client, task):
    _, code = task
    post(client, bearer(client, "crew2-dpupr"), f"/api/crew/tasks/{code}/take")
    login(client, "crew-dpupr")
    response = client.post(
        f"/petugas/tugas/{code}/ambil", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 409
    assert "sudah diambil petugas lain" in response.get_data(as_text=True)


def test_task_photo_view_checks_opd(client, engine, task, crew):
    import io

    complaint_id, code = task
    post(client, crew, f"/api/crew/tasks/{code}/take")
    post(
        client,
        crew,
        f"/api/crew/tasks/{code}/notes",
        data={"note": "Foto", "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
        content_type="multipart/form-data",
    )
    with engine.connect() as conn:
        photo_id = conn.execute(
            text("SELECT id FROM complaint_photo WHERE complaint_id = :i"),
            {"i": complaint_id},
        ).scalar()
    login(client, "crew-dpupr")
    own = client.get(f"/petugas/foto/{photo_id}")
    login(client, "crew-dishub")
    foreign = client.get(f"/petugas/foto/{photo_id}")
    assert own.status_code == 200
    assert own.mimetype == "image/jpeg"
    assert foreign.status_code == 404


def test_rejected_finish_keeps_typed_note(client, engine, task):
    complaint_id, code = task
    login(client, "crew-dpupr")
    client.post(f"/petugas/tugas/{code}/ambil", data={"csrf_token": csrf_token(client)})
    rejected = client.post(
        f"/petugas/tugas/{code}/selesai",
        data={"csrf_token": csrf_token(client), "note": "Kabel diganti <b>baru</b>"},
    )
    assert rejected.status_code == 400
    page = rejected.get_data(as_text=True)
    assert "Kabel diganti &lt;b&gt;baru&lt;/b&gt;</textarea>" in page
    assert status_of(engine, complaint_id).status == "proses"
