"""Summarise iCalendar files with the Python `icalendar` package (an independent parser).

Usage: python ics_summary_icalendar.py FILE... ; prints one JSON array, one object per file,
with the fields the Rust tests compare (see README.md in this folder).
"""
import json
import sys
from datetime import timezone

import icalendar


def utc(prop):
    value = prop.dt
    if value.tzinfo is None:
        raise ValueError(f"floating time {value!r}: expected UTC")
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def address(prop):
    text = str(prop)
    email = text[len("mailto:"):] if text.lower().startswith("mailto:") else text
    params = prop.params
    return email, params


def optional_text(event, name):
    value = event.get(name)
    return None if value is None else str(value)


def attendees(event):
    raw = event.get("ATTENDEE")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    result = []
    for prop in raw:
        email, params = address(prop)
        result.append({
            "email": email,
            "cn": params.get("CN"),
            "role": params.get("ROLE"),
            "partstat": params.get("PARTSTAT"),
            "rsvp": params.get("RSVP"),
        })
    return result


def count(value):
    if value is None:
        return 0
    return len(value) if isinstance(value, list) else 1


def summarise(path):
    with open(path, "rb") as handle:
        calendar = icalendar.Calendar.from_ical(handle.read())
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if len(events) != 1:
        raise ValueError(f"{path}: expected exactly one VEVENT, got {len(events)}")
    event = events[0]
    organizer_email, organizer_params = address(event["ORGANIZER"])
    return {
        "prodid_count": count(calendar.get("PRODID")),
        "version": str(calendar["VERSION"]),
        "method": str(calendar["METHOD"]),
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "dtstamp": utc(event["DTSTAMP"]),
        "dtstart": utc(event["DTSTART"]),
        "dtend": utc(event["DTEND"]),
        "summary": str(event["SUMMARY"]),
        "description": optional_text(event, "DESCRIPTION"),
        "location": optional_text(event, "LOCATION"),
        "url": optional_text(event, "URL"),
        "organizer": {"email": organizer_email, "cn": organizer_params.get("CN")},
        "attendees": attendees(event),
        "alarms": len([c for c in event.subcomponents if c.name == "VALARM"]),
    }


def main():
    json.dump([summarise(path) for path in sys.argv[1:]], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
