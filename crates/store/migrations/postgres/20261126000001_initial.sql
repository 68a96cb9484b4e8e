-- PostgreSQL twin of ../sqlite/20261126000001_initial.sql: same tables, columns and keys; only the
-- column types differ (TIMESTAMPTZ, BIGINT, BOOLEAN). Keep the two in step.

CREATE TABLE meetings (
    tenant_id           TEXT    NOT NULL,
    appointment_id      TEXT    NOT NULL,
    event_id            TEXT,
    ical_uid            TEXT,
    online_meeting_id   TEXT,
    join_url            TEXT,
    organizer_upn       TEXT,
    organizer_object_id TEXT,
    subject             TEXT    NOT NULL,
    start_at            TIMESTAMPTZ NOT NULL,
    end_at              TIMESTAMPTZ NOT NULL,
    ics_uid             TEXT    NOT NULL,
    sequence            BIGINT  NOT NULL CHECK (sequence >= 0),
    status              TEXT    NOT NULL,
    error_code          TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, appointment_id)
);

-- Change notifications name the online meeting, not the appointment.
CREATE INDEX meetings_online_meeting ON meetings (tenant_id, online_meeting_id);

CREATE TABLE artifacts (
    tenant_id            TEXT    NOT NULL,
    appointment_id       TEXT    NOT NULL,
    kind                 TEXT    NOT NULL CHECK (kind IN ('recording', 'transcript')),
    provider_artifact_id TEXT    NOT NULL,
    created_date_time    TIMESTAMPTZ,
    client_visible       BOOLEAN NOT NULL,
    vtt                  TEXT,
    plain_text           TEXT,
    cues                 TEXT,
    content_url          TEXT,
    storage_location     TEXT,
    size_bytes           BIGINT  CHECK (size_bytes >= 0),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, appointment_id, kind, provider_artifact_id),
    FOREIGN KEY (tenant_id, appointment_id) REFERENCES meetings (tenant_id, appointment_id),
    CHECK (kind <> 'transcript' OR (vtt IS NOT NULL AND plain_text IS NOT NULL AND cues IS NOT NULL)),
    CHECK (kind <> 'recording' OR content_url IS NOT NULL)
);

CREATE TABLE deliveries (
    delivery_key   TEXT NOT NULL PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    step           TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    sent_at        TIMESTAMPTZ
);

CREATE INDEX deliveries_appointment ON deliveries (tenant_id, appointment_id);

CREATE TABLE tenant_settings (
    tenant_id  TEXT NOT NULL PRIMARY KEY,
    settings   TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
