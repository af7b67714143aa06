"""The real service following a journal-remote directory host by host (sources/fanin.py; issues 17 and 15):
one systemd-journal-remote per host fed export format through a FIFO, alerts to a webhook on 127.0.0.1. An MVar
line that reaches host beta's file stamped before a line already read from alpha's is alerted (one merged
sd-journal passes it by, systemd#359); a host whose file rotates while followed loses nothing; after kill -9
each host resumes from its own position, without loss or double alerts."""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from pathlib import Path

from test_fanin import ALPHA, BETA, wait_for_file, write_at
from test_fleet_follow import MVAR, config
from test_host_stale import HostFeed, alerts, wait_until
from test_service import receiver, service  # noqa: F401  (fixtures)


def mvar_alerts(hook, host: str, unit: str = "api.service") -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [a for a in alerts(hook) if "ghc-mvar-deadlock" in a["title"] and unit in a["title"]
            and f"on {host}" in a["message"] and "RESOLVED" not in a["title"]]


def feeds(directory: Path) -> tuple[HostFeed, HostFeed]:
    alpha, beta = HostFeed(directory, "alpha", ALPHA), HostFeed(directory, "beta", BETA)
    now = time.time_ns() // 1000
    write_at(alpha, "alpha up", now)
    write_at(beta, "beta up", now)
    wait_for_file(directory / "remote-alpha.journal")
    wait_for_file(directory / "remote-beta.journal")
    return alpha, beta


def test_a_line_stamped_before_another_hosts_line_already_read_is_alerted(service, receiver,  # noqa: F811
                                                                         tmp_path):
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = feeds(directory)
    try:
        hook = receiver()
        running = service(config(tmp_path, directory, hook.url))
        running.start()
        now = time.time_ns() // 1000
        write_at(alpha, "GET / 200", now)
        time.sleep(1.5)  # read by now
        write_at(beta, MVAR, now - 5_000_000)  # reached the collector late, stamped before alpha's line
        got = wait_until(lambda: mvar_alerts(hook, "beta"), 20, "beta's MVar alert")
        assert len(got) == 1 and "latest: " + MVAR in got[0]["message"]
        assert running.stop() == 0
    finally:
        alpha.close()
        beta.close()


def test_a_host_whose_file_rotates_while_followed_loses_nothing(service, receiver, tmp_path):  # noqa: F811
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = feeds(directory)
    renewed = None
    try:
        hook = receiver()
        running = service(config(tmp_path, directory, hook.url))
        running.start()
        now = time.time_ns() // 1000
        for n in range(300):
            write_at(alpha, f"GET /{n} 200", now + n)
        alpha.close()  # journal-remote closes the file; archived by name, as a rotation leaves it
        (directory / "remote-alpha.journal").rename(directory / "remote-alpha@0001-0002-0003.journal~")
        alpha.fifo.unlink()
        renewed = HostFeed(directory, "alpha", ALPHA)
        for n in range(200):
            write_at(renewed, f"GET /new/{n} 200", now + 1000 + n)
        write_at(renewed, MVAR, now + 2000)
        write_at(beta, MVAR, now + 2000)
        wait_until(lambda: mvar_alerts(hook, "alpha") and mvar_alerts(hook, "beta"), 20, "both hosts' MVar alerts")
        assert running.stop() == 0
        stopped = re.findall(r"stopped after (\d+) entries", running.log())
        assert stopped == ["502"]  # 300 + 200 + 2, each once; none of those before the start
    finally:
        alpha.close() if renewed is None else renewed.close()
        beta.close()


def test_each_host_resumes_after_kill_9_without_loss_or_double_alerts(service, receiver, tmp_path):  # noqa: F811
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = feeds(directory)
    try:
        hook = receiver()
        running = service(config(tmp_path, directory, hook.url))
        running.start()
        now = time.time_ns() // 1000
        write_at(alpha, MVAR, now)
        write_at(beta, MVAR, now)
        wait_until(lambda: mvar_alerts(hook, "alpha") and mvar_alerts(hook, "beta"), 20, "the first MVar alerts")
        time.sleep(2.5)  # committed (at most every second while caught up)
        running.stop(signal.SIGKILL)
        # While it is down: alpha logs on, beta's lines reach the collector late, stamped before alpha's.
        write_at(alpha, "GET / 200", now + 10_000_000)
        write_at(alpha, MVAR.replace("api", "db"), now + 10_000_001, "db.service")
        write_at(beta, MVAR.replace("api", "db"), now + 5_000_000, "db.service")
        time.sleep(0.5)
        running.start()
        wait_until(lambda: mvar_alerts(hook, "alpha", "db.service") and mvar_alerts(hook, "beta", "db.service"), 20,
                   "both hosts' alerts for what was logged while logsentry was down")
        time.sleep(2)
        assert [len(mvar_alerts(hook, host, unit)) for host in ("alpha", "beta")
                for unit in ("api.service", "db.service")] == [1, 1, 1, 1]
        assert running.stop() == 0
    finally:
        alpha.close()
        beta.close()


def test_state_saved_by_the_merged_reader_resumes_each_host_from_its_cursors_time(service, receiver,  # noqa: F811
                                                                                  tmp_path):
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha, beta = feeds(directory)
    try:
        hook = receiver()
        running = service(config(tmp_path, directory, hook.url))
        running.start()
        now = time.time_ns() // 1000
        write_at(alpha, "GET / 200", now)
        time.sleep(2.5)  # read and committed
        assert running.stop() == 0
        with sqlite3.connect(tmp_path / "state" / "state.db") as db:  # as the single-cursor reader left it
            assert db.execute("DELETE FROM meta WHERE key = 'cursors'").rowcount == 1
            assert db.execute("SELECT 1 FROM meta WHERE key = 'cursor'").fetchone()
        write_at(alpha, MVAR.replace("api", "db"), now + 10_000_000, "db.service")
        write_at(beta, MVAR.replace("api", "db"), now + 5_000_000, "db.service")
        time.sleep(0.5)
        running.start()
        wait_until(lambda: mvar_alerts(hook, "alpha", "db.service") and mvar_alerts(hook, "beta", "db.service"), 20,
                   "both hosts' alerts for what was logged after the saved cursor")
        assert running.stop() == 0
    finally:
        alpha.close()
        beta.close()
