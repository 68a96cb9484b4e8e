// Summarise iCalendar files with Mozilla's ical.js (the parser Thunderbird uses).
// Usage: node ics_summary_icaljs.mjs FILE... ; prints one JSON array, one object per file,
// with the same fields as ics_summary_icalendar.py.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const pad = (n, width = 2) => String(n).padStart(width, "0");

function utc(time) {
  if (time.zone !== ICAL.Timezone.utcTimezone) {
    throw new Error(`time ${time.toString()} is not UTC`);
  }
  return `${pad(time.year, 4)}${pad(time.month)}${pad(time.day)}T${pad(time.hour)}${pad(time.minute)}${pad(time.second)}Z`;
}

function address(prop) {
  const value = prop.getFirstValue();
  const email = value.toLowerCase().startsWith("mailto:") ? value.slice("mailto:".length) : value;
  return { email, param: (name) => prop.getParameter(name) ?? null };
}

function summarise(path) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  const events = calendar.getAllSubcomponents("vevent");
  if (events.length !== 1) throw new Error(`${path}: expected one VEVENT, got ${events.length}`);
  const event = events[0];
  const organizer = address(event.getFirstProperty("organizer"));
  const optional = (name) => event.getFirstPropertyValue(name) ?? null;
  return {
    prodid_count: calendar.getAllProperties("prodid").length,
    version: calendar.getFirstPropertyValue("version"),
    method: calendar.getFirstPropertyValue("method"),
    uid: event.getFirstPropertyValue("uid"),
    sequence: event.getFirstPropertyValue("sequence"),
    status: event.getFirstPropertyValue("status"),
    dtstamp: utc(event.getFirstPropertyValue("dtstamp")),
    dtstart: utc(event.getFirstPropertyValue("dtstart")),
    dtend: utc(event.getFirstPropertyValue("dtend")),
    summary: event.getFirstPropertyValue("summary"),
    description: optional("description"),
    location: optional("location"),
    url: optional("url"),
    organizer: { email: organizer.email, cn: organizer.param("cn") },
    attendees: event.getAllProperties("attendee").map((prop) => {
      const a = address(prop);
      return {
        email: a.email,
        cn: a.param("cn"),
        role: a.param("role"),
        partstat: a.param("partstat"),
        rsvp: a.param("rsvp"),
      };
    }),
    alarms: event.getAllSubcomponents("valarm").length,
  };
}

process.stdout.write(JSON.stringify(process.argv.slice(2).map(summarise)));
