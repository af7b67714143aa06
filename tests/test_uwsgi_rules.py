"""uwsgi-listen-queue-full and uwsgi-harakiri: uWSGI says a stall only in its own words, with no level
(helper-140's trial 3). A uWSGI unit whose history held two one-minute blips of "listen queue ... full" (a traffic
spike) then stalled for ten minutes, the line once a second and no request line, passed unseen: the template was
known (no new-template rule), its level info (no error rule), its rate that of the blips (no rate rule). Real journal
files built with systemd-journal-remote, the whole shipped rule library with its anomaly rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import entry, json_events, of_type, run_cli

UNIT = "uwsgi.service"
REQUEST = ("[pid: 66|app: 0|req: 434/412] 86.88.247.37 () {52 vars in 1096 bytes} [Tue Jan  9 21:53:21 2024] GET "
           "/location/all/ => generated 197 bytes in 157 msecs (HTTP/2.0 200) 5 headers in 158 bytes (1 switches on "
           "core 0)")  # DelfiSpace/DelfiTLM#147
FULL = ('Fri Feb 21 15:05:18 2025 - *** uWSGI listen queue of socket "127.0.0.1:39397" (fd: 3) full !!! '
        "(1025/1024) ***")  # datopian/giftless#184
HARAKIRI = "Tue Jan  9 21:53:28 2024 - *** HARAKIRI ON WORKER 1 (pid: 66, try: 1, graceful: yes) ***"
DAY = 86_400.0


def _uwsgi(at: float, message: str) -> dict[str, Any]:
    return entry(message, unit=UNIT, at=at, priority=6, SYSLOG_IDENTIFIER="uwsgi")


def _history(days: float = 2, gap: float = 20.0) -> list[dict[str, Any]]:
    """Request lines every `gap` seconds, and two one-minute blips of a full queue (a spike), as a unit learns."""
    lines = [_uwsgi(n * gap, REQUEST) for n in range(int(days * DAY / gap))]
    for start in (0.4 * DAY, 1.2 * DAY):
        lines += [_uwsgi(start + s + 0.5, FULL) for s in range(60)]
    return sorted(lines, key=lambda e: int(e["__REALTIME_TIMESTAMP"]))


def _incidents(make_journal: Callable[..., Path], lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def test_a_stall_after_known_spikes_is_caught_in_seconds(make_journal: Callable[..., Path]) -> None:
    stall = 2 * DAY
    lines = _history() + [_uwsgi(stall + s, FULL) for s in range(600)]
    incidents = [i for i in _incidents(make_journal, lines)
                 if i["first_usec"] >= lines[-600]["__REALTIME_TIMESTAMP"]]
    assert [(i["rule"], i["severity"]) for i in incidents] == [("uwsgi-listen-queue-full", "error")]
    assert incidents[0]["realtime_usec"] - incidents[0]["first_usec"] == 9_000_000  # the tenth second


def test_a_few_seconds_of_a_full_queue_is_no_incident(make_journal: Callable[..., Path]) -> None:
    lines = [_uwsgi(n * 20.0, REQUEST) for n in range(100)] + [_uwsgi(2000.5 + s, FULL) for s in range(3)]
    assert [i for i in _incidents(make_journal, sorted(lines, key=lambda e: int(e["__REALTIME_TIMESTAMP"])))
            if i["rule"].startswith("uwsgi-")] == []


def test_harakiri_three_times_in_ten_minutes(make_journal: Callable[..., Path]) -> None:
    lines = [_uwsgi(n * 20.0, REQUEST) for n in range(30)] + [_uwsgi(610.0 + 120 * n, HARAKIRI) for n in range(3)]
    incidents = [i for i in _incidents(make_journal, sorted(lines, key=lambda e: int(e["__REALTIME_TIMESTAMP"])))
                 if i["rule"] == "uwsgi-harakiri"]
    assert [(i["severity"], i["unit"], i["message"]) for i in incidents] == [("error", UNIT, HARAKIRI)]
