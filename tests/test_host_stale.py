"""A host whose journal stops arriving (issue 17): the real service follows a journal-remote directory fed live
(one systemd-journal-remote per host, each reading export format from a FIFO, as a collector receives them);
alerts go to a webhook receiver on 127.0.0.1. One host-level incident per silent host, its units' silences
folded into it, resolved when its entries arrive again, not paged again after a restart."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import entry, run_cli
from test_service import receiver, service  # noqa: F401  (fixtures)

from logsentry.config import SiteConfig
from logsentry.host_silence import MIN_GAPS, HostSilence
from logsentry.model import Entry
from logsentry.silences import Matcher
from logsentry.sources.journal_files import export_entry, journal_remote

ALPHA = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
WEB7 = "b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7"


class HostFeed:
    """One host's journal as journal-remote writes it on a collector: DIR/remote-HOST.journal, fed live."""

    def __init__(self, directory: Path, host: str, machine: str):
        self.host, self.machine = host, machine
        self.fifo = directory.parent / f"{host}.fifo"
        os.mkfifo(self.fifo)
        self._fd = os.open(self.fifo, os.O_RDWR)
        tool = journal_remote()
        assert tool, "systemd-journal-remote is required (scripts/setup installs it)"
        self.process = subprocess.Popen([tool, "-o", str(directory / f"remote-{host}.journal"), str(self.fifo)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def write(self, message: str, unit: str) -> None:
        now = time.time_ns() // 1000
        record = entry(message, unit=unit, _MACHINE_ID=self.machine, _HOSTNAME=self.host,
                       __REALTIME_TIMESTAMP=now)
        record["__MONOTONIC_TIMESTAMP"] = now
        os.write(self._fd, export_entry(record))

    def close(self) -> None:
        os.close(self._fd)
        self.process.terminate()
        self.process.wait(timeout=10)


class Fleet:
    """Hosts whose units tick every 0.2 s in a thread; a host or one unit can be stopped and started."""

    def __init__(self, root: Path):
        self.directory = root / "remote"
        self.directory.mkdir()
        self.feeds = {host: HostFeed(self.directory, host, machine) for host, machine in (("alpha", ALPHA),
                                                                                         ("web-7", WEB7))}
        self.stopped: set[str] = set()  # "web-7" (the whole host) or "alpha/tock.service" (one unit)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        n = 0
        while not self._done.wait(0.2):
            n += 1
            for host, feed in self.feeds.items():
                for unit in ("tick.service", "tock.service"):
                    if host not in self.stopped and f"{host}/{unit}" not in self.stopped:
                        feed.write(f"heartbeat {n}", unit)

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        for feed in self.feeds.values():
            feed.close()


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    made = Fleet(tmp_path)
    try:
        yield made
    finally:
        made.close()


def collector_config(root: Path, directory: Path, hook_url: str, hosts: str = "", watch: str = "",
                     top: str = "") -> str:
    """A collector over a journal-remote directory that alerts every unit to a webhook; `hosts` and `watch`
    are more lines for those tables, `top` for the top level (rules = [...])."""
    return f'''
state_dir = "{root / 'state'}"
journal_directory = "{directory}"
hostname = "collector"
{top}

[hosts]
{hosts}

[[watch]]
units = ["*"]
actions = ["alert"]
{watch}

[alerts]
backoff = "100ms"
realert = "1h"

[[channel]]
name = "hook"
type = "apprise"
url = "json://{hook_url}/hook"
retries = 5
'''


def config(root: Path, directory: Path, hook_url: str) -> str:
    return collector_config(root, directory, hook_url, hosts='silent_after = "3s"', watch='silence = "2s"')


def alerts(hook: Any) -> list[dict[str, Any]]:
    return [body for _path, body in hook.requests]


def wait_until(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.alone
def test_a_silent_host_is_one_incident_resolved_when_it_is_back(fleet, service, receiver, tmp_path):  # noqa: F811
    hook = receiver()
    running = service(config(tmp_path, fleet.directory, hook.url))
    running.start()
    time.sleep(3)  # both hosts logging, nothing silent
    assert alerts(hook) == []
    fleet.stopped.add("alpha/tock.service")  # one unit of a live host: its own silence
    fleet.stopped.add("web-7")  # a whole host
    host_alert = wait_until(lambda: [a for a in alerts(hook) if "host-went-silent" in a["title"]], 20,
                            "the host-level alert")[0]
    assert "ERROR the host's journal stopped arriving (host-went-silent)" in host_alert["title"]
    assert f"host web-7 (machine {WEB7}): its journal stopped arriving" in host_alert["message"]
    assert f"_MACHINE_ID={WEB7}" in host_alert["message"]  # the journalctl command that shows its last lines
    wait_until(lambda: any("unit-went-silent" in a["title"] for a in alerts(hook)), 10, "alpha's unit silence")
    time.sleep(12)  # past the held unit silences' next look (10 s)
    silences = [a for a in alerts(hook) if "unit-went-silent" in a["title"]]
    # alpha's tock only (web-7's tick and tock would be two more); a screened last line has no _HOSTNAME
    assert len(silences) == 1 and "tock.service" in silences[0]["title"]
    assert len([a for a in alerts(hook) if "host-went-silent" in a["title"]]) == 1  # not one per check
    fleet.stopped.discard("web-7")
    resolved = wait_until(lambda: [a for a in alerts(hook)
                                   if "RESOLVED" in a["title"] and "host-went-silent" in a["title"]],
                          10, "the host's resolve")[0]
    assert f"host web-7 (machine {WEB7}): entries arrive again" in resolved["message"]
    time.sleep(2)
    assert len([a for a in alerts(hook) if "unit-went-silent" in a["title"]]) == 1  # web-7's units are back
    assert running.stop() == 0


@pytest.mark.alone
def test_a_host_silent_before_a_restart_does_not_page_again(fleet, service, receiver, tmp_path):  # noqa: F811
    hook = receiver()
    running = service(config(tmp_path, fleet.directory, hook.url))
    running.start()
    time.sleep(2)
    fleet.stopped.add("web-7")
    wait_until(lambda: [a for a in alerts(hook) if "host-went-silent" in a["title"]], 20, "the host-level alert")
    assert running.stop() == 0
    running.start()
    time.sleep(5)  # caught up, several checks
    assert len([a for a in alerts(hook) if "host-went-silent" in a["title"]]) == 1
    fleet.stopped.discard("web-7")  # the incident saved with the state ends when the host is back
    wait_until(lambda: [a for a in alerts(hook) if "RESOLVED" in a["title"] and "host-went-silent" in a["title"]], 10,
               "the host's resolve after the restart")
    assert running.stop() == 0


def learnt(gaps_s: list[float], silent_after: str = "auto") -> HostSilence:
    site = SiteConfig(path=Path("x"), journal_directory=Path("/var/log/journal/remote"),
                      host_silent_after_usec=None if silent_after == "auto" else 3_000_000)
    hosts = HostSilence(site)
    at = 1_700_000_000_000_000
    for gap in [0.0, *gaps_s]:
        at += int(gap * 1_000_000)
        hosts.saw(Entry(at, "x", "a.service", 6, "c", {"_MACHINE_ID": WEB7, "_HOSTNAME": "web-7"}))
    return hosts


def test_a_hosts_threshold_is_learnt_from_its_rhythm():
    """Pure logic: the learnt threshold (after MIN_GAPS gaps, never below 5 min), and `hold`."""
    assert learnt([1.0] * (MIN_GAPS - 2)).hosts[WEB7].threshold == 0  # too little history: not watched
    steady = learnt([1.0] * (MIN_GAPS * 4))
    assert steady.hosts[WEB7].threshold == 300_000_000  # a steady host: the floor
    sparse = learnt([600.0, 30.0, 1200.0, 5.0] * MIN_GAPS)
    assert sparse.hosts[WEB7].threshold > 3600_000_000  # a host that logs every 20 minutes or so: hours
    newest = steady.hosts[WEB7].newest_usec
    now = newest + 20_000_000
    assert steady.hold(WEB7, newest, now) > now  # nothing from the host since the unit's last entry: held
    assert steady.hold(WEB7, newest - 60_000_000, now) == 0  # the host logged after it: the unit's own silence
    assert steady.hold(ALPHA, newest, now) == 0  # a host not tracked


def test_alerts_of_the_host_level_incident():
    hosts = learnt([1.0] * 10, silent_after="3s")
    newest = hosts.hosts[WEB7].newest_usec
    assert hosts.check(newest + 2_000_000) == []
    [firing] = hosts.check(newest + 4_000_000)
    assert firing.payload["event"] == "firing" and firing.payload["host"] == "web-7"
    assert firing.payload["unit"] == "(host)" and firing.payload["machine_id"] == WEB7
    assert hosts.check(newest + 9_000_000) == []  # once
    saved = hosts.snapshot()
    again = learnt([], silent_after="3s")
    again.hosts.clear()
    again.restore(saved)
    assert again.check(newest + 20_000_000) == []  # still open after a restart: not paged again
    again.saw(Entry(newest + 21_000_000, "back", "a.service", 6, "c", {"_MACHINE_ID": WEB7}))
    [resolved] = again.check(newest + 22_000_000)
    assert resolved.payload["event"] == "resolved" and resolved.dedupe == firing.dedupe.replace("firing", "resolved")


def test_a_silence_fired_in_a_dry_run_is_alerted_after_it_and_resolved_only_once_alerted():
    """Pure logic: `dry_run = true` sends nothing; once a reload ends the dry run, a host still silent is paged
    (once), and a host that came back meanwhile gets no resolve for a page never sent; a page sent live before a
    reload began a dry run is resolved in it."""
    dry = learnt([1.0] * 10, silent_after="3s")
    dry.configure(replace(dry_config := SiteConfig(path=Path("x"), journal_directory=Path("/var/log/journal/remote"),
                                                   host_silent_after_usec=3_000_000), dry_run=True))
    newest = dry.hosts[WEB7].newest_usec
    assert dry.check(newest + 4_000_000) == [] and dry.hosts[WEB7].silent_since  # fired, not sent
    again = learnt([], silent_after="3s")
    again.hosts.clear()
    again.restore(dry.snapshot())  # across a restart too
    again.configure(dry_config)  # the dry run is over
    [firing] = again.check(newest + 9_000_000)
    assert firing.payload["event"] == "firing" and again.check(newest + 14_000_000) == []
    again.saw(Entry(newest + 21_000_000, "back", "a.service", 6, "c", {"_MACHINE_ID": WEB7}))
    [resolved] = again.check(newest + 22_000_000)
    assert resolved.dedupe == firing.dedupe.replace("firing", "resolved")

    came_back = learnt([1.0] * 10, silent_after="3s")
    came_back.configure(replace(dry_config, dry_run=True))
    assert came_back.check(newest + 4_000_000) == []
    came_back.configure(dry_config)
    came_back.saw(Entry(newest + 5_000_000, "back", "a.service", 6, "c", {"_MACHINE_ID": WEB7}))
    assert came_back.check(newest + 9_000_000) == []  # back before any page: no resolve
    assert not came_back.hosts[WEB7].silent_since

    paged = learnt([1.0] * 10, silent_after="3s")
    [firing] = paged.check(newest + 4_000_000)  # paged live, then a reload begins a dry run
    paged.configure(replace(dry_config, dry_run=True))
    paged.saw(Entry(newest + 5_000_000, "back", "a.service", 6, "c", {"_MACHINE_ID": WEB7}))
    [resolved] = paged.check(newest + 9_000_000)  # the live page is not left open
    assert resolved.dedupe == firing.dedupe.replace("firing", "resolved")


def test_a_planned_shutdown_is_silenced_with_the_cli(tmp_path):
    """`logsentry silence add -u '(host)' -H web-7` quiets web-7's host-level alert (and only web-7's)."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    site = tmp_path / "logsentry.toml"
    site.write_text(f'state_dir = "{state}"\njournal_directory = "{tmp_path}"\n')
    made = run_cli("silence", "add", "-c", str(site), "-u", "(host)", "-H", "web-7", "--for", "2h",
                   "--comment", "planned shutdown")
    assert made.exit_code == 0, made.output
    hosts = learnt([1.0] * 10, silent_after="3s")
    [firing] = hosts.check(hosts.hosts[WEB7].newest_usec + 4_000_000)
    matcher = Matcher(state)
    assert matcher.silencing(firing.payload) is not None
    assert matcher.silencing({**firing.payload, "host": "web-8"}) is None


def test_the_hosts_setting():
    from logsentry.config_parse import ConfigError, parse_config

    where = Path("site.toml")
    collector = {"journal_directory": "/var/log/journal/remote"}
    assert parse_config(collector, where).host_silent_after_usec is None  # learnt by default
    set_ = parse_config({**collector, "hosts": {"silent_after": "10m"}}, where)
    assert set_.host_silent_after_usec == 600_000_000
    assert "hosts: silent when no entry came for 10min" in set_.describe()
    off = parse_config({**collector, "hosts": {"silent_after": "off"}}, where)
    assert off.host_silent_after_usec == 0 and not HostSilence(off)
    assert not HostSilence(parse_config({}, where))  # the local journal: the canary's job
    with pytest.raises(ConfigError) as raised:
        parse_config({**collector, "hosts": {"silent_after": "soon", "stale": 1}}, where)
    assert 'hosts.silent_after: expected "auto", "off" or a duration like "10m"' in str(raised.value)
    assert "hosts.stale: unknown key, expected one of clock_hold, silent_after" in str(raised.value)
