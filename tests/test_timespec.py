from __future__ import annotations

import re
from datetime import datetime

import pytest

from logsentry.timespec import TimeSpecError, format_duration, parse_duration, parse_timestamp

NOW = int(datetime(2026, 11, 2, 15, 30, 45).astimezone().timestamp() * 1_000_000)
H = 3600 * 1_000_000


@pytest.mark.parametrize(("text", "usec"), [("90s", 90_000_000), ("5m", 300_000_000), ("1h30m", 90 * 60_000_000),
                                            ("250ms", 250_000), ("2d", 48 * H), ("60 sec", 60_000_000),
                                            ("5", 5_000_000), ("1h 30m", 90 * 60_000_000)])
def test_compact_durations(text, usec):
    assert parse_duration(text) == usec


@pytest.mark.parametrize("text", ["60 secs", "", "0s", "5.", "1x", "-5s", "1h, 30m"])
def test_bad_durations(text):
    with pytest.raises(TimeSpecError, match="expected a duration like"):
        parse_duration(text)


def local(*parts: int) -> int:
    return int(datetime(*parts).astimezone().timestamp() * 1_000_000)  # type: ignore[misc]


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-02 10:00", local(2026, 11, 2, 10, 0)),
    ("2026-11-02 10:00:05", local(2026, 11, 2, 10, 0, 5)),
    ("2026-11-01", local(2026, 11, 1)),
    ("10:15", local(2026, 11, 2, 10, 15)),
    ("today", local(2026, 11, 2)),
    ("yesterday", local(2026, 11, 1)),
    ("tomorrow", local(2026, 11, 3)),
    ("now", NOW),
    ("-1h", NOW - H),
    ("+30min", NOW + H // 2),
    ("-1h 30min", NOW - H - H // 2),
    ("2 days ago", NOW - 48 * H),
    ("@1700000000", 1_700_000_000_000_000),
])
def test_timestamps_like_journalctl(text, expected):
    assert parse_timestamp(text, NOW) == expected


@pytest.mark.parametrize("text", ["last tuesday", "2026-13-01", "-1 fortnight", ""])
def test_bad_timestamps(text):
    with pytest.raises(TimeSpecError):
        parse_timestamp(text, NOW)


def test_format_duration():
    assert format_duration(2_100_000) == "2.1s"
    assert format_duration(60_000_000) == "1m"
    assert format_duration((6 * 3600 + 6 * 60 + 55) * 1_000_000) == "6h 6m 55s"


@pytest.mark.parametrize("text", ["-1x", "+2 parsecs", "3 dayz ago"])
def test_a_bad_relative_time_is_quoted_as_written(text):
    """The error names the time the operator typed, its sign and "ago" too (it said `(got '1x')` for `-1x`)."""
    with pytest.raises(TimeSpecError, match=re.escape(f"(got '{text}')") + "$"):
        parse_timestamp(text, now_usec=1_700_000_000_000_000)
