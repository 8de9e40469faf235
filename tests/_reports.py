"""The reports' text without their timings, for "no value leaks" checks: a timestamp such as
08:14:32.871 or a run of 32.870 s must not pass for a leaked amount of 32.87."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

TIMINGS = ("time", "timestamp", "duration_ms")


def untimed_jsonl(text: str) -> str:
    """The JSON Lines report, each record without its timing fields."""
    records = [json.loads(line) for line in text.splitlines()]
    return "\n".join(
        json.dumps({key: value for key, value in record.items() if key not in TIMINGS})
        for record in records
    )


def untimed_junit(text: str) -> str:
    """The JUnit XML without its timing attributes."""
    root = ET.fromstring(text)  # noqa: S314 - written by our own script
    for element in root.iter():
        for key in TIMINGS:
            element.attrib.pop(key, None)
    return ET.tostring(root, encoding="unicode")
