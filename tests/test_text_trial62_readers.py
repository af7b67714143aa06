"""Trial 62's reader gaps, through the CLI on small text files (and the readers behind it): zerolog's ConsoleWriter
levels never a syslog host."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import run_cli

from logsentry.sources import Selection, open_entries
from logsentry.sources.text_sniff import sniff_text


def _records(path: Path, *args: str) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "-o", "json", "--no-anomalies", *args)
    return [json.loads(line) for line in done.stdout.splitlines()]


def _summary(path: Path, *args: str) -> dict[str, Any]:
    return next(record for record in _records(path, *args) if record["type"] == "summary")


def _err_entries(path: Path) -> int:
    return int(_summary(path, "-p", "err")["entries"])


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[int, str, int | None, dict[str, str]]]:
    path = tmp_path / name
    path.write_text(text)
    return [(entry.realtime_usec, entry.message, entry.effective_priority, dict(entry.fields))
            for entry in open_entries(Selection(), files=[path])]


HEADSCALE = [  # zerolog's ConsoleWriter with an RFC 3339 TimeFormat (headscale, trial 62's 05)
    "2025-05-07T11:58:34+02:00 ERR listen tcp :8080: bind: address already in use\n",
    "2025-05-07T12:07:51+02:00 WRN Listening without TLS but ServerURL does not start with http://\n",
    "2025-05-07T12:07:52+02:00 FTL ../../cmd/headscale/cli/serve.go:29 > Headscale ran into an error and had to "
    "shut down. error=\"initial DERPMap is empty\"\n",
    "2025-05-07T12:07:53+02:00 INF user said: ERR x\n",
]


def test_zerolog_console_levels_are_no_host(tmp_path: Path) -> None:
    """With two lines or more the level was the host and the words before the first colon the unit; one line alone
    was read right: the reading must not depend on how many lines there are."""
    for count in range(1, len(HEADSCALE) + 1):
        path = tmp_path / f"headscale{count}.log"
        path.write_text("".join(HEADSCALE[:count]))
        matches = [record for record in _records(path) if record["type"] == "match"]
        assert {(record["unit"], record["host"]) for record in matches} == {(f"(headscale{count})", "")}
        listen = [record for record in matches if record["rule"] == "listen-address-in-use"]
        assert [record["effective_priority"] for record in listen] == [3]
        assert listen[0]["message"].startswith("2025-05-07T11:58:34+02:00 ERR listen tcp :8080: ")
        assert _err_entries(path) == [1, 1, 2, 2][count - 1]  # ERR and FTL, not WRN nor INF
    text = "".join(HEADSCALE)
    assert sniff_text(text.encode()) == "applog"
    assert [priority for _, _, priority, _ in _read(tmp_path, "h.log", text)] == [3, 4, 2, 6]


def test_syslog_hosts_like_zerolog_levels_stay_hosts(tmp_path: Path) -> None:
    text = ("2025-05-07T11:58:34+02:00 INFRA-1 sshd[812]: error: kex_exchange_identification: Connection closed\n"
            "2025-05-07T11:58:35+02:00 wrn sshd[813]: Accepted publickey for root\n"
            "2025-05-07T11:58:36+02:00 ERRATA cron[9]: (root) CMD (true)\n")
    assert sniff_text(text.encode()) == "text"
    assert [fields["_HOSTNAME"] for _, _, _, fields in _read(tmp_path, "syslog", text)] == ["INFRA-1", "wrn",
                                                                                                "ERRATA"]


def test_a_line_broken_in_two_is_read_whole(tmp_path: Path) -> None:
    """Trial 62's 09: the poster's copy broke PID 1's line inside its tag; both halves were folded into the intact
    line before as its continuation, which then matched nothing (systemd-main-process-killed ends in `$`)."""
    path = tmp_path / "qbt.txt"
    path.write_text("Sep  5 14:39:38 nas systemd[1]: qbittorrent.service: Main process exited, code=dumped, "
                    "status=11/SEGV\n"
                    "Sep  5 14:39:38 nas systemd\n"
                    "[1]: qbittorrent.service: Failed with result 'core-dump'.\n"
                    "Sep  5 14:39:38 nas systemd[1]: qbittorrent.service: Consumed 8h 14min 2.478s CPU time.\n")
    records = _records(path)
    matches = {(record["rule"], record["cursor"].rsplit(":", 1)[1], record["message"])
               for record in records if record["type"] == "match"}
    assert matches == {
        ("systemd-main-process-killed", "1", "qbittorrent.service: Main process exited, code=dumped, status=11/SEGV"),
        ("systemd-unit-failed", "2", "qbittorrent.service: Failed with result 'core-dump'.")}
    assert {record["unit"] for record in records if record["type"] == "incident"} == {"(qbittorrent.service)"}
    assert _summary(path)["entries"] == 3
    broken_at_a_blank = _read(tmp_path, "b.txt", "Sep  5 14:39:38 nas systemd[1]: x.service: Main process exited, "
                                                 "code=dumped, status=11/SEGV\nSep  5 14:39:38 nas\n"
                                                 "systemd[1]: x.service: Failed with result 'core-dump'.\n")
    assert [(fields.get("_HOSTNAME"), fields["SYSLOG_IDENTIFIER"], message)
            for _, message, _, fields in broken_at_a_blank] == [
        ("nas", "systemd", "x.service: Main process exited, code=dumped, status=11/SEGV"),
        ("nas", "systemd", "x.service: Failed with result 'core-dump'.")]
    halves = "Sep  5 14:39:38 nas systemd\n[1]: qbittorrent.service: Failed with result 'core-dump'.\n"
    assert sniff_text(halves.encode()) == "text"  # (a paste of the broken line alone: its halves fit together)
    [(_, message, _, fields)] = _read(tmp_path, "h.txt", halves)
    assert (fields["_PID"], message) == ("1", "qbittorrent.service: Failed with result 'core-dump'.")


def test_continuations_that_make_no_line_stay_continuations(tmp_path: Path) -> None:
    text = ("Sep  5 14:39:38 nas app[7]: the worker died, its trace follows, written by the handler itself\n"
            "Traceback (most recent call last)\n"  # (joined, no layout: a continuation, as before)
            "[1]: not a tag\n"
            "Sep  5 14:39:39 nas app[7]: a message of its own, long enough to have been wrapped where it was\n"
            "    Sep  5 14:39:40 nas app\n"  # (journalctl's indented continuation lines: never a broken line)
            "    [1]: y\n"
            "Sep  5 14:39:41 nas app[7]: z\n"
            "Sep  5 14:39:42 nas worker is launching\n"  # (joined, a message before the tag: no broken line)
            "Error: something\n")
    read = _read(tmp_path, "app.txt", text)
    assert [message for _, message, _, _ in read] == [
        "the worker died, its trace follows, written by the handler itself Traceback (most recent call last)\n"
        "[1]: not a tag",
        "a message of its own, long enough to have been wrapped where it was\nSep  5 14:39:40 nas app\n[1]: y",
        "z\nSep  5 14:39:42 nas worker is launching\nError: something"]


def test_program_layouts_levels(tmp_path: Path) -> None:
    """Trial 62's 21, 22, 28 and 10: stunnel's `LOGn[id]:`, SeaweedFS's glog without a thread id, zap's console
    encoder with a lower-case level and SDDM's `(EE)` after its time of day had no level (`-p err`: 0 entries)."""
    files = {
        "stunnel.log": "2021.01.13 17:33:18 LOG4[1:140635606472448]: Certificate check failed: depth=0, /O=io.strimzi\n"
                       "2021.01.13 17:33:18 LOG3[1:140635606472448]: error queue: 14090086: error:14090086:SSL "
                       "routines:ssl3_get_server_certificate:certificate verify failed\n"
                       "2021.01.13 17:33:19 LOG5[main]: the peer said LOG3[1]: x\n",
        "volume.log": "E0221 00:18:18.464568 needle_read.go:45 seaweed/volume/3.dat read 0 dataSize 562712: EOF\n"
                      "E0221 00:18:19.466648 needle_read.go:45 seaweed/volume/3.dat read 0 dataSize 562712: EOF\n"
                      "I0221 00:18:20.967883 volume_grpc_copy.go:12 E0221 00:18:20.967883 x.go:1 quoted\n",
        "otelcol.log": "2025-02-20T15:30:17.360Z\terror\tinternal/queue_sender.go:103\tExporting failed. Dropping data."
                       "\t{\"kind\": \"exporter\", \"dropped_items\": 26}\n"
                       "2025-02-20T15:30:18.000Z\tinfo\tservice.go:1\tuser said \terror\t\n",
        "sddm.log": "[22:49:02.459] (II) DAEMON: Initializing...\n"
                    "[22:49:02.480] (EE) DAEMON: Failed to write xauth file\n"
                    "[22:49:02.480] (EE) DAEMON: Could not start Display server on vt 1\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        assert (name, _err_entries(path)) == (name, 2 if name in ("volume.log", "sddm.log") else 1)


def test_glog_time_without_microseconds(tmp_path: Path) -> None:
    """SeaweedFS's older glog (`Log line format: [IWEF]mmdd hh:mm:ss threadid file:line] msg`): untimed."""
    [(usec, _, priority, _)] = _read(tmp_path, "volume.log", "I1011 11:48:17 19032 volume_server_handlers_read.go:52] "
                                                              "read error: <nil> /86/0101c21062a1bb9d_1.jpeg\n")
    now = datetime.now()
    year = now.year if datetime(now.year, 10, 11, 11, 48, 17) <= now else now.year - 1  # (the file's time: now)
    assert (usec, priority) == (int(datetime(year, 10, 11, 11, 48, 17).timestamp()) * 1_000_000, 6)
    path = tmp_path / "alike.log"
    path.write_text("I1011 11:48:17 the peer said 19032 x.go:52] y\nE1011 11:48:17 19032 x.go:52 no bracket\n")
    assert _summary(path)["first_usec"] // 1_000_000 == int(path.stat().st_mtime)  # (untimed: the file's time)


def test_libreswan_log_file(tmp_path: Path) -> None:
    """Trial 62's 19: pluto's log file (`%b %e %T: `, a colon after the time and no host) was untimed, and its
    `pluto: FATAL:` no level."""
    path = tmp_path / "pluto.log"
    path.write_text('Jun  8 18:37:34: pluto: warning: chdir("/run/pluto/") to dumpdir failed (2: No such file or '
                    'directory)\n'
                    'pluto: FATAL: unable to create lock dir: "/run/pluto/": No such file or directory\n'
                    "Jun  8 18:37:35.000123: the peer said: pluto: ERROR: x\n")
    [(first, _, warning, _), (_, message, fatal, _), (last, _, none, _)] = _read(tmp_path, "p.log", path.read_text())
    now = datetime.now()
    year = now.year if datetime(now.year, 6, 8, 18, 37, 35) <= now else now.year - 1
    assert (first, warning, fatal, none) == (int(datetime(year, 6, 8, 18, 37, 34).timestamp()) * 1_000_000, 4, 2, None)
    assert message.startswith("pluto: FATAL: unable to create lock dir") and last - first == 1_000_123
    assert _err_entries(path) == 1


def test_sddm_time_of_day(tmp_path: Path) -> None:
    """Trial 62's 10: SDDM's `[hh:mm:ss.zzz] (EE) ` lines were untimed; the time of day is read as logback's is."""
    read = _read(tmp_path, "sddm.log", "[22:49:02.459] (II) DAEMON: Initializing...\n"
                                       "/usr/bin/xauth:  error in locking authority file /var/run/sddm/x\n"
                                       "[22:49:02.480] (EE) DAEMON: Could not start Display server on vt 1\n")
    assert [(datetime.fromtimestamp(usec / 1e6).time().isoformat(), priority) for usec, _, priority, _ in read] == [
        ("22:49:02.459000", 6), ("22:49:02.459000", None), ("22:49:02.480000", 3)]  # (xauth's line: at the last time)
    alike = tmp_path / "alike.log"
    alike.write_text("[22:49:02.480] (??) DAEMON: x\n[22:49:02.480] DAEMON: (EE) x\n")
    assert _summary(alike)["first_usec"] // 1_000_000 == int(alike.stat().st_mtime)  # (untimed: the file's time)
