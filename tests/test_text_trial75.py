"""Trial 75's reader gaps in long application logs (`scan --file`): JDK 6's unpadded day (D8), catalina.out's webapp
lines in a second layout (D4), a head of untimed lines longer than the sniffed bytes (D2), uWSGI's own times (D5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from logsentry.sources import Selection, open_entries


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[str, str]]:
    """Each entry's time (UTC: the tests run with TZ=UTC) and message, as `scan --file` reads the file."""
    path = tmp_path / name
    path.write_text(text)
    return [(datetime.fromtimestamp(entry.realtime_usec / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S"), entry.message)
            for entry in open_entries(Selection(), files=[path])]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time
    time.tzset()


def test_jdk6_simpleformatter_unpadded_day_is_read(tmp_path: Path) -> None:
    """JDK 6's SimpleFormatter (DateFormat.MEDIUM) and Tomcat 6/7's catalina.out write `Apr 7, 2014 8:11:23 PM`: the
    day unpadded. Trial 75's 18 (an OutOfMemoryError) was untimed, its card dated at the file's time."""
    lines = ["Apr 7, 2014 8:11:23 PM org.apache.catalina.connector.CoyoteAdapter service",
             "SEVERE: An exception or error occurred in the container during the request processing",
             "java.lang.OutOfMemoryError: Java heap space",
             "Apr 10, 2014 12:05:00 AM org.apache.coyote.http11.Http11Processor process",
             "SEVERE: Error finishing response"]
    read = _read(tmp_path, "catalina.out", "\n".join(lines) + "\n")
    assert [when for when, _ in read] == ["2014-04-07 20:11:23"] * 3 + ["2014-04-10 00:05:00"] * 2
