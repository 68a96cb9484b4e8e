-- Who attended a meeting and for how long (Graph attendance reports), and the billing figures
-- derived from it. One row per participant of each report: a meeting that was left and
-- restarted has a report per session.
CREATE TABLE attendance_records (
    tenant_id      TEXT    NOT NULL,
    appointment_id TEXT    NOT NULL,
    report_id      TEXT    NOT NULL,
    -- Graph's record id, else the participant's identity id, else the address.
    participant_id TEXT    NOT NULL,
    email          TEXT,
    display_name   TEXT,
    -- The meeting role Graph reports: Organizer | Presenter | Attendee | Unknown.
    meeting_role   TEXT,
    -- Who the appointment says they are, by address.
    attendee_role  TEXT    NOT NULL CHECK (attendee_role IN ('technician', 'client', 'other')),
    total_seconds  INTEGER NOT NULL CHECK (total_seconds >= 0),
    -- JSON array of {"join": RFC 3339, "leave": RFC 3339}.
    intervals      TEXT    NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, appointment_id, report_id, participant_id),
    FOREIGN KEY (tenant_id, appointment_id) REFERENCES meetings (tenant_id, appointment_id)
);

CREATE TABLE attendance_summaries (
    tenant_id        TEXT    NOT NULL,
    appointment_id   TEXT    NOT NULL,
    -- The technician's billable span, rounded up to the tenant's increment.
    billable_seconds INTEGER NOT NULL CHECK (billable_seconds >= 0),
    billable_from    TEXT,
    billable_to      TEXT,
    client_no_show   INTEGER NOT NULL,
    participants     INTEGER NOT NULL CHECK (participants >= 0),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, appointment_id),
    FOREIGN KEY (tenant_id, appointment_id) REFERENCES meetings (tenant_id, appointment_id)
);
