"""Parse .eml files with Python's standard `email` package and describe them as JSON.

Usage: mime_inspect.py FILE... ; prints one JSON array, one object per file.
"""
import email
import email.policy
import json
import sys


def tree(part):
    if part.is_multipart():
        return {part.get_content_type(): [tree(child) for child in part.iter_parts()]}
    return part.get_content_type()


def text(part):
    # iCalendar is UTF-8 by definition (RFC 5545 §3.1.4), so an .ics attachment needs no charset.
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def mailboxes(message, name):
    """The mailboxes of an address header as [{name, address}], or None when it is absent."""
    header = message[name]
    if header is None:
        return None
    return [{"name": a.display_name, "address": a.addr_spec} for a in header.addresses]


def describe(path):
    with open(path, "rb") as handle:
        message = email.message_from_bytes(handle.read(), policy=email.policy.default)
    result = {
        "message_id": message["Message-ID"],
        "subject": str(message["Subject"]),
        "from": str(message["From"]),
        "to": str(message["To"]),
        "originator": {field: mailboxes(message, field) for field in ("From", "Sender", "Reply-To")},
        "return_path": message["Return-Path"],
        "date": str(message["Date"]),
        "content_class": message["Content-Class"],
        "tree": tree(message),
        "calendar": [],
        "attachments": [],
        "text": None,
        "html": None,
    }
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if part.get_content_disposition() == "attachment":
            result["attachments"].append({
                "content_type": kind,
                "filename": part.get_filename(),
                "payload": text(part),
            })
        elif kind == "text/calendar":
            result["calendar"].append({
                "method": part.get_param("method"),
                "charset": part.get_param("charset"),
                "payload": text(part),
            })
        elif kind == "text/plain":
            result["text"] = text(part)
        elif kind == "text/html":
            result["html"] = text(part)
    return result


def main():
    json.dump([describe(path) for path in sys.argv[1:]], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
