"""Cities, versioned boundaries, agencies, categories, complaints and their history.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = "('menunggu', 'proses', 'selesai', 'ditolak')"

UPGRADE = f"""
CREATE TABLE city (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    timezone    text NOT NULL,
    levels      jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per boundary load. Exactly one version per city is current; older
-- versions stay because the complaints they routed refer to their areas.
CREATE TABLE boundary_version (
    id          serial PRIMARY KEY,
    city_code   text NOT NULL REFERENCES city (code),
    sources     jsonb NOT NULL,
    checksum    text NOT NULL,
    report      jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    is_current  boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX boundary_version_one_current
    ON boundary_version (city_code) WHERE is_current;

-- rank 0 is the city outline, 1 the first area level (kecamatan), 2 the second
-- (kelurahan). A city with one level has ranks 0 and 1 only.
CREATE TABLE area (
    id                   serial PRIMARY KEY,
    boundary_version_id  integer NOT NULL REFERENCES boundary_version (id),
    city_code            text NOT NULL REFERENCES city (code),
    level                text NOT NULL,
    rank                 smallint NOT NULL CHECK (rank BETWEEN 0 AND 2),
    code                 text NOT NULL,
    name                 text NOT NULL,
    parent_code          text,
    area_m2              double precision NOT NULL,
    geom                 geometry(MultiPolygon, 4326) NOT NULL,
    UNIQUE (boundary_version_id, code)
);
CREATE INDEX area_geom_gist ON area USING gist (geom);
CREATE INDEX area_version_rank ON area (boundary_version_id, rank);

CREATE TABLE opd (
    id              serial PRIMARY KEY,
    city_code       text NOT NULL REFERENCES city (code),
    code            text NOT NULL,
    name            text NOT NULL,
    short_name      text NOT NULL,
    kind            text,
    kecamatan_code  text,
    active          boolean NOT NULL DEFAULT true,
    UNIQUE (city_code, code)
);

CREATE TABLE category (
    id                  serial PRIMARY KEY,
    city_code           text NOT NULL REFERENCES city (code),
    code                text NOT NULL,
    group_code          text NOT NULL,
    name_id             text NOT NULL,
    name_en             text NOT NULL,
    opd_id              integer NOT NULL REFERENCES opd (id),
    route_to_kecamatan  boolean NOT NULL DEFAULT false,
    sla_working_days    integer NOT NULL CHECK (sla_working_days > 0),
    location_required   boolean NOT NULL,
    private_by_nature   boolean NOT NULL DEFAULT false,
    active              boolean NOT NULL DEFAULT true,
    UNIQUE (city_code, code)
);

-- Polygons in which another OPD than the category's default is responsible.
CREATE TABLE service_area (
    id           serial PRIMARY KEY,
    city_code    text NOT NULL REFERENCES city (code),
    code         text NOT NULL,
    name         text NOT NULL,
    opd_id       integer NOT NULL REFERENCES opd (id),
    category_id  integer REFERENCES category (id),
    priority     integer NOT NULL DEFAULT 0,
    source       text,
    active       boolean NOT NULL DEFAULT true,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    geom         geometry(MultiPolygon, 4326) NOT NULL,
    UNIQUE (city_code, code)
);
CREATE INDEX service_area_geom_gist ON service_area USING gist (geom);

CREATE TABLE staff_user (
    id             serial PRIMARY KEY,
    username       text NOT NULL UNIQUE,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('crew', 'opd_admin', 'planner', 'admin')),
    opd_id         integer REFERENCES opd (id),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role IN ('crew', 'opd_admin')) = (opd_id IS NOT NULL))
);

CREATE TABLE tracking_counter (
    city_code   text NOT NULL REFERENCES city (code),
    year        integer NOT NULL,
    last_value  integer NOT NULL,
    PRIMARY KEY (city_code, year)
);

-- Public fields only; the reporter's contact lives in complaint_contact.
CREATE TABLE complaint (
    id                   bigserial PRIMARY KEY,
    city_code            text NOT NULL REFERENCES city (code),
    tracking_code        text NOT NULL UNIQUE,
    category_id          integer NOT NULL REFERENCES category (id),
    description          text NOT NULL,
    address_note         text,
    confidential         boolean NOT NULL DEFAULT false,
    status               text NOT NULL DEFAULT 'menunggu' CHECK (status IN {STATUSES}),
    location             geometry(Point, 4326),
    location_source      text CHECK (location_source IN ('gps', 'map_pin', 'typed', 'import')),
    accuracy_m           real CHECK (accuracy_m >= 0),
    area_id              integer REFERENCES area (id),
    parent_area_id       integer REFERENCES area (id),
    area_match           text CHECK (area_match IN ('inside', 'boundary', 'overlap', 'gap')),
    area_distance_m      real,
    near_border          jsonb,
    near_border_resolved_at timestamptz,
    boundary_version_id  integer REFERENCES boundary_version (id),
    opd_id               integer NOT NULL REFERENCES opd (id),
    routing_rule         text NOT NULL,
    service_area_id      integer REFERENCES service_area (id),
    channel              text NOT NULL DEFAULT 'web',
    external_id          text,
    received_at          timestamptz NOT NULL DEFAULT now(),
    due_at               timestamptz NOT NULL,
    status_changed_at    timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz,
    assigned_user_id     integer REFERENCES staff_user (id),
    support_count        integer NOT NULL DEFAULT 0,
    reopen_count         integer NOT NULL DEFAULT 0,
    confirmed_at         timestamptz,
    rating               smallint CHECK (rating BETWEEN 1 AND 5),
    reporter_token_hash  text,
    CHECK ((location IS NULL) = (location_source IS NULL)),
    CHECK (location IS NULL OR area_id IS NOT NULL)
);
CREATE INDEX complaint_location_gist ON complaint USING gist (location);
CREATE INDEX complaint_city_status ON complaint (city_code, status);
CREATE INDEX complaint_city_received ON complaint (city_code, received_at);
CREATE INDEX complaint_opd_status ON complaint (opd_id, status);
CREATE UNIQUE INDEX complaint_external_id ON complaint (city_code, channel, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE complaint_contact (
    complaint_id  bigint PRIMARY KEY REFERENCES complaint (id) ON DELETE CASCADE,
    name          text,
    phone         text,
    email         text,
    consent_at    timestamptz NOT NULL
);

-- Append-only history: every status, routing or area change, note, photo and
-- citizen action. A trigger below rejects UPDATE and DELETE.
CREATE TABLE complaint_event (
    id             bigserial PRIMARY KEY,
    complaint_id   bigint NOT NULL REFERENCES complaint (id),
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    kind           text NOT NULL CHECK (kind IN (
                       'created', 'status', 'reroute', 'note', 'photo', 'support',
                       'confirm', 'reopen', 'area_resolved', 'assign')),
    actor_kind     text NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system')),
    actor_user_id  integer REFERENCES staff_user (id),
    actor_label    text,
    from_status    text CHECK (from_status IN {STATUSES}),
    to_status      text CHECK (to_status IN {STATUSES}),
    from_opd_id    integer REFERENCES opd (id),
    to_opd_id      integer REFERENCES opd (id),
    note           text,
    is_public      boolean NOT NULL DEFAULT true
);
CREATE INDEX complaint_event_complaint ON complaint_event (complaint_id, id);

CREATE FUNCTION complaint_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'complaint_event is append-only; % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER complaint_event_append_only
    BEFORE UPDATE OR DELETE ON complaint_event
    FOR EACH ROW EXECUTE FUNCTION complaint_event_append_only();

CREATE TABLE complaint_photo (
    id            bigserial PRIMARY KEY,
    complaint_id  bigint NOT NULL REFERENCES complaint (id),
    event_id      bigint REFERENCES complaint_event (id),
    kind          text NOT NULL CHECK (kind IN ('report', 'progress', 'result')),
    stored_name   text NOT NULL UNIQUE,
    content_type  text NOT NULL,
    width         integer NOT NULL,
    height        integer NOT NULL,
    byte_size     integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_photo_complaint ON complaint_photo (complaint_id);

-- Residents who back an existing complaint instead of filing a duplicate.
CREATE TABLE complaint_supporter (
    id            bigserial PRIMARY KEY,
    complaint_id  bigint NOT NULL REFERENCES complaint (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    name          text,
    phone         text,
    email         text,
    consent_at    timestamptz
);

CREATE TABLE idempotency_key (
    city_code     text NOT NULL REFERENCES city (code),
    key           text NOT NULL,
    request_hash  text NOT NULL,
    complaint_id  bigint NOT NULL REFERENCES complaint (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (city_code, key)
);
"""

DOWNGRADE = """
DROP TABLE idempotency_key, complaint_supporter, complaint_photo, complaint_event,
    complaint_contact, complaint, tracking_counter, staff_user, service_area,
    category, opd, area, boundary_version, city;
DROP FUNCTION complaint_event_append_only();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
