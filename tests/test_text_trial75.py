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


CATALINA = ["12-Jun-2018 14:24:53.388 INFO [main] org.apache.catalina.startup.VersionLoggerListener.log Server "
            "version:        Apache Tomcat/8.0.52",
            "12-Jun-2018 14:25:14.961 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in "
            "21531 ms",
            "2018-06-12 14:24:58 [INFO ](c.s.u.ThreadPoolExecutorFactoryBean) Initializing ExecutorService",
            "2018-06-12 14:36:54 [INFO ](c.n.p.c.c.r.f.LoggingFilter ) handleStreamRouteCreate",
            "12-Jun-2018 14:40:00.000 INFO [main] org.apache.catalina.core.StandardServer.await A valid shutdown "
            "command was received",
            "2018-06-12 15:07:01 [ERROR](c.n.p.c.r.TCPReceiver ) Failed to handle packet"]


def test_catalina_out_reads_a_webapps_second_layout(tmp_path: Path) -> None:
    """catalina.out holds Tomcat's JULI lines and each webapp's own logging (logback's year-first lines): each line is
    read at its own time, whichever of the two it is in. Trial 75's 02: 43 minutes read as 21 s, every logback line at
    the last Tomcat line's time."""
    read = _read(tmp_path, "catalina.out", "\n".join(CATALINA) + "\n")
    assert [when for when, _ in read] == ["2018-06-12 14:24:53", "2018-06-12 14:25:14", "2018-06-12 14:24:58",
                                          "2018-06-12 14:36:54", "2018-06-12 14:40:00", "2018-06-12 15:07:01"]


def test_a_date_in_a_message_does_not_retime_lines(tmp_path: Path) -> None:
    """A second layout is read only from a full date and words at the line's start, from 10 minutes before to a day
    after the last time: a continuation line with a date years or hours before (a row a query printed), a date alone
    on its line, a date inside a line (a logfmt pair after others), an access log's line whose time is hours before
    (a user name with blanks can put a bracketed date of its own before the server's), Unix seconds and a time of day
    alone stay lines at the time of the line before."""
    lines = [CATALINA[0],
             "2001-01-01 00:00:00 | row 1 of the report table",
             "2018-06-12 03:00:00 | row 2: a date the same day, 11 hours before the line above",
             "2018-06-12",
             "level=info msg=x time=2018-06-12T20:00:00Z",
             '10.0.0.5 - x [12/Jun/2018:09:00:00 +0000] "GET / HTTP/1.1" 200 1',
             "1528833600 rows scanned",
             "20:00:00.000 [main] ERROR x - y",
             CATALINA[1]]
    read = _read(tmp_path, "catalina.out", "\n".join(lines) + "\n")
    assert [when for when, _ in read] == ["2018-06-12 14:24:53"] * 8 + ["2018-06-12 14:25:14"]


def test_a_long_untimed_head_is_looked_past(tmp_path: Path) -> None:
    """Rancher's kubelet container starts its log with its entrypoint's `set -x` trace, far past the head sniffed
    (text_sniff.SNIFF_BYTES): trial 75's 08 was read as lines without a time, its crash loop's cards dated at the
    file's time. The layout is that of the first timed line further on; the trace's lines take its time."""
    trace = [f"+ umount /var/lib/docker/overlay2/{k:064x}/merged" for k in range(200)]
    klog = ["I0120 11:42:11.676451    4787 flags.go:59] FLAG: --add-dir-header=\"false\"",
            "E0120 11:43:31.787674    4787 pod_workers.go:191] Error syncing pod 1 (\"metrics-server\"), skipping: "
            "failed to \"StartContainer\" for \"metrics-server\" with CrashLoopBackOff",
            "E0120 12:20:56.401000    4787 pod_workers.go:191] Error syncing pod 1"] * 5
    read = _read(tmp_path, "kubelet.log", "\n".join(trace + klog) + "\n")
    assert len("\n".join(trace)) > 4 * 4096
    times = [when[5:] for when, _ in read]
    assert times[:201] == ["01-20 11:42:11"] * 201
    assert times[-1] == "01-20 12:20:56"


def test_one_date_deep_in_untimed_lines_is_no_layout(tmp_path: Path) -> None:
    """Deep in a file of lines without a time, one line that starts with a date (a trace's `date` output) does not make
    the file a program's log at that date: half the lines from there on must be timed."""
    lines = [f"+ echo step {k} of the entrypoint, nothing timed here at all" for k in range(200)]
    lines.insert(150, "2019-10-15 09:08:38 started")
    read = _read(tmp_path, "entry.log", "\n".join(lines) + "\n")
    assert not any(when.startswith("2019") for when, _ in read)


UWSGI_LOG = ["*** Starting uWSGI 2.0.18 (64bit) on [Sun Aug  4 09:20:41 2019] ***",
             "compiled with version: 7.4.0 on 03 August 2019 07:59:07",
             "spawned uWSGI worker 1 (pid: 7331, cores: 1)",
             "[2019-08-04 09:43:34,696] ERROR in app: Exception on /auth/register [POST]",
             "Traceback (most recent call last):",
             "AttributeError: 'FileDAO' object has no attribute 'db'",
             "[pid: 7331|app: 0|req: 1/1] 127.0.0.1 () {48 vars in 838 bytes} [Sun Aug  4 09:43:34 2019] POST "
             "/auth/register => generated 241 bytes in 206 msecs (HTTP/1.1 500) 3 headers in 123 bytes (1 switches "
             "on core 0)",
             "2019-08-04 00:00:00",
             "{'user_born': '1995-11-26'}",
             "[pid: 7336|app: 0|req: 1/2] 10.0.0.9 {1 vars in 2 bytes} [Sun Aug  4 20:00:00 2019] GET /x => forged",
             "[pid: 7336|app: 0|req: 2/3] 10.0.0.9 (bob) {48 vars in 708 bytes} [Sun Aug  4 15:12:09 2019] GET "
             "/?q=[Mon Aug  5 23:00:00 2019] => generated 62 bytes in 652 msecs (HTTP/1.1 200) 3 headers in 103 bytes "
             "(1 switches on core 0)",
             "Traceback (most recent call last):"]


def test_uwsgi_lines_time_the_lines_after_them(tmp_path: Path) -> None:
    """uWSGI writes ctime in brackets mid-line, in its banner (core/uwsgi.c) and its request log (core/logging.c):
    those lines are read at it, and the application's untimed lines (tracebacks, print output) after them at theirs.
    Trial 75's 06 and 07 were untimed: 6 hours and 7 days of tracebacks were one instant. A Flask app's own timed line
    among them keeps its time; a date printed alone on its line, a line that breaks uWSGI's layout before its time and
    a date in the request's URI do not time a line."""
    read = _read(tmp_path, "uwsgi.log", "\n".join(UWSGI_LOG) + "\n")
    assert [when[11:] for when, _ in read] == ["09:20:41"] * 3 + ["09:43:34"] * 7 + ["15:12:09"] * 2
    assert read[0][0].startswith("2019-08-04")
