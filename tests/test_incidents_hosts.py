"""`logsentry incidents` on a collector lists a host whose journal stopped arriving (host-went-silent) with the
service's other open incidents, within seconds of its alert and while the service runs: the host, since when,
what became of its alert and the journalctl command its alert gave; and no longer once the host is back.
Before, it listed a collector's failures but never a silent host (only `logsentry hosts` showed one). Real
parts: hosts written live by systemd-journal-remote (test_host_stale.Fleet), `logsentry run`, a webhook."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from test_host_stale import WEB7, alerts, config, fleet, wait_until  # noqa: F401  (fleet: a fixture)
from test_service import receiver, service  # noqa: F401  (fixtures)


def listed(path: Path) -> list[dict[str, Any]]:
    done = run_cli("incidents", "-c", str(path), "-o", "json")
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.alone
def test_incidents_lists_a_silent_host_while_the_service_runs(fleet, service, receiver, tmp_path):  # noqa: F811
    hook = receiver()
    running = service(config(tmp_path, fleet.directory, hook.url))
    running.start()
    wait_until(lambda: len(run_cli("hosts", "-c", str(running.config_path)).stdout.splitlines()) == 2, 15,
               "both hosts saved")
    fleet.stopped.add("web-7")
    [fired] = wait_until(lambda: [a for a in alerts(hook) if "host-went-silent" in a["title"]], 20, "the host's alert")
    [host] = wait_until(lambda: [i for i in listed(running.config_path) if i["rule"] == "host-went-silent"], 10,
                        "the silent host in `logsentry incidents`")
    assert host["host"] == "web-7" and host["machine_id"] == WEB7 and host["unit"] == "(host)"
    assert host["incident"] in fired["message"]  # the id its alert gave
    assert [(a["kind"], a["status"], a["channel"]) for a in host["actions"]] == [("alert", "done", "hook")]
    assert host["journalctl"] == f"journalctl -D {fleet.directory} _MACHINE_ID={WEB7} --since " + \
        f"@{(host['first_usec'] - 60_000_000) // 1_000_000}" and host["journalctl"] in fired["message"]
    text = run_cli("incidents", "-c", str(running.config_path)).stdout
    assert "ERROR (host) on web-7: host-went-silent, silent since " in text and " hit" not in text, text
    assert "  actions: alert: done (via hook)\n" in text
    fleet.stopped.discard("web-7")
    wait_until(lambda: [a for a in alerts(hook) if "RESOLVED" in a["title"]], 10, "the host's resolve")
    wait_until(lambda: not [i for i in listed(running.config_path) if i["rule"] == "host-went-silent"], 10,
               "the host gone from `logsentry incidents`")
    assert running.stop() == 0


def test_a_silent_hosts_silence_is_told_by_its_own_clock() -> None:
    """A host whose clock runs 10 minutes behind ours, silent for 2 minutes by it: `incidents` says 2m, as the
    service judges it (its offset saved with it), not 12m."""
    from logsentry.cli.incidents import _silent_hosts
    from logsentry.config import SiteConfig
    from logsentry.engine.rhythm import Rhythm

    now = time.time_ns() // 1000
    behind, quiet = 600_000_000, 120_000_000
    newest = now - behind - quiet
    saved = [[WEB7, newest, "web-7", "api.service", "tick", "c", newest, now - behind, Rhythm().snapshot(), behind]]
    site = SiteConfig(path=Path("x"), journal_directory=Path("/var/log/journal/remote"),
                      host_silent_after_usec=30_000_000)
    [incident] = _silent_hosts(site, saved)
    assert incident.host == "web-7" and incident.first_usec == newest
    assert incident.why == "no journal entry for 2m", incident.why  # (not 12m: our clock)
