"""An exception printed under a record of a program's own log is read at no worse than that record's level
(sources/applog_records.py): a WARN record's trace is a warning's. Trial 69's 48: MySQL Connector/J's `WARN: Caught
while disconnecting...` traces read err on their exception lines and made an error card of a harmless disconnect.
A trace with no levelled record before it, or behind a runtime's own uncaught-exception header, keeps its err/crit."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from logsentry.sources import Selection, open_entries

CONNECTOR_J = [
    "2021-02-27 04:58:20.100  INFO 4441 --- [nio-8080-exec-6] o.s.web.servlet.DispatcherServlet        : "
    "Completed initialization in 12 ms",
    "Sat Feb 27 04:58:23 UTC 2021 WARN: Caught while disconnecting...",
    "",
    "EXCEPTION STACK TRACE:",
    "",
    "** BEGIN NESTED EXCEPTION ** ",
    "",
    "javax.net.ssl.SSLException",
    "MESSAGE: closing inbound before receiving peer's close_notify",
    "",
    "STACKTRACE:",
    "",
    "javax.net.ssl.SSLException: closing inbound before receiving peer's close_notify",
    "\tat sun.security.ssl.Alert.createSSLException(Alert.java:133)",
    "\tat com.mysql.jdbc.MysqlIO.quit(MysqlIO.java:2249)",
    "",
    "** END NESTED EXCEPTION **",
]


def _levels(tmp_path: Path, name: str, lines: list[str]) -> list[tuple[str, int | None]]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return [(entry.message, entry.effective_priority) for entry in open_entries(Selection(), files=[path])]


def _level(read: list[tuple[str, int | None]], message: str) -> set[int | None]:
    return {level for text, level in read if text == message}


def test_connector_j_warn_trace_is_a_warning(tmp_path: Path) -> None:
    """The WARN record is itself in another layout (ctime, in a Spring Boot log: untimed there); its level holds for
    the exception lines under it, and three disconnects make no error card."""
    read = _levels(tmp_path, "catalina.out", CONNECTOR_J)
    assert _level(read, "Sat Feb 27 04:58:23 UTC 2021 WARN: Caught while disconnecting...") == {4}
    assert _level(read, "javax.net.ssl.SSLException") == {4}
    assert _level(read, "javax.net.ssl.SSLException: closing inbound before receiving peer's close_notify") == {4}
    assert not [text for text, level in read if level is not None and level <= 3]
    path = tmp_path / "three.out"
    path.write_text("\n".join(CONNECTOR_J + CONNECTOR_J[1:] + CONNECTOR_J[1:]) + "\n")
    done = run_cli("scan", "--file", str(path), "-o", "json")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert not [record for record in records if record["type"] == "incident" and record["severity"] in (
        "error", "critical")], records


def test_timed_record_levels_are_the_ceiling(tmp_path: Path) -> None:
    """logback's WARN with its exception (and its cause), Python logging's warning with exc_info: warnings; an INFO
    record's trace info; an ERROR record's trace stays err."""
    read = _levels(tmp_path, "app.log", [
        "2026-03-01 10:00:00.000 WARN  [main-EventThread] o.a.z.ClientCnxn - Session 0x0 for server null, "
        "unexpected error, closing socket connection and attempting reconnect",
        "java.net.ConnectException: Connection refused",
        "\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)",
        "Caused by: java.io.IOException: Broken pipe",
        "2026-03-01 10:00:01.000 INFO  [main] c.e.App - cache miss, reloading",
        "java.lang.IllegalStateException: stale entry",
        "2026-03-01 10:00:02.000 ERROR [main] c.e.App - request failed",
        "java.lang.NullPointerException: x",
    ])
    assert [level for _, level in read] == [4, 4, None, 4, 6, 6, 3, 3]
    read = _levels(tmp_path, "worker.log", [
        "2026-03-01 10:00:00,000 WARNING shop.sync: retrying upstream",
        "Traceback (most recent call last):",
        '  File "/srv/shop/sync.py", line 10, in run',
        "KeyError: 'tenant'",
    ])
    assert [level for _, level in read] == [4, 4, None, 4]


def test_jul_level_line_is_the_records(tmp_path: Path) -> None:
    """java.util.logging's SimpleFormatter writes the time and class, then `LEVEL: message` on the next line: that
    line's level is the record's (Jenkins's `WARNING: ... terminated` and its `java.io.EOFException`)."""
    read = _levels(tmp_path, "jenkins.log", [
        "Dec 04, 2026 9:15:02 PM hudson.remoting.Request$2 run",
        "WARNING: Computer.threadPoolForRemoting [#14224] for ip-172-31-0-248 terminated",
        "java.io.EOFException",
        "Dec 04, 2026 9:15:03 PM hudson.model.Run execute",
        "SEVERE: Failed to save build record",
        "java.io.IOException: No space left on device",
    ])
    assert [level for _, level in read] == [None, 4, 4, None, 3, 3]


def test_a_trace_with_no_levelled_record_keeps_err(tmp_path: Path) -> None:
    """A bare printStackTrace after a timed line that names no level, or before the file's first time, and a
    runtime's own uncaught-exception header after an INFO record (no logger wrote it: its trace keeps err, its header
    crit), are read as before."""
    read = _levels(tmp_path, "bare.log", [
        "java.lang.IllegalStateException: before any time",
        "2026-03-01 10:00:00 worker started",
        "java.lang.IllegalStateException: boom",
        "\tat com.example.Worker.run(Worker.java:12)",
        "2026-03-01 10:00:01.000 INFO  [main] c.e.App - loading",
        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
        "\tat java.util.Arrays.copyOf(Arrays.java:3332)",
        "Caused by: java.lang.IllegalStateException: x",
    ])
    assert [level for _, level in read] == [3, None, 3, None, 6, 2, None, 3]
