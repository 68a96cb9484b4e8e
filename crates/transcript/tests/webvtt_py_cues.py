"""Independent reading of WebVTT files for meetflow-transcript's cross-check.

Usage: python webvtt_py_cues.py FILE...
Prints a JSON list with, per file, its cues as {speaker, start_ms, end_ms, text}, using webvtt-py
(pinned in requirements-test.txt). Not in strict mode, which refuses Graph's own `0:0:5.320`
timestamps; a block that webvtt-py skips shows up as a missing cue in the comparison. webvtt-py leaves character references in the
text, so they are decoded here with the standard library's HTML decoder.
"""

import html
import json
import re
import sys

import webvtt

WEBVTT_WHITESPACE = re.compile("[ \t\n\r\f]+")


def speaker(caption):
    if caption.voice is None:
        return None
    name = " ".join(w for w in WEBVTT_WHITESPACE.split(html.unescape(caption.voice)) if w)
    return name or None


def cues(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        document = webvtt.from_string(f.read(), strict=False)
    return [
        {
            "speaker": speaker(caption),
            "start_ms": caption.start_time.in_milliseconds(),
            "end_ms": caption.end_time.in_milliseconds(),
            "text": html.unescape(caption.text),
        }
        for caption in document.captions
    ]


json.dump([cues(path) for path in sys.argv[1:]], sys.stdout, ensure_ascii=False)
