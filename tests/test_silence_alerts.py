"""A silence has no hits: the host-level incident's alert (it said "0 hits") and a unit silence's alert (it
said the unit's entry count as hits) say from when to when it was silent, and the stop line counts the
host-level incident with the others (it said 0 incidents). The real service on a journal-remote directory fed
live (tests/test_host_stale.py's fleet), alerts at a webhook on 127.0.0.1."""

from __future__ import annotations

import re
import time

from test_host_stale import WEB7, alerts, config, fleet, wait_until  # noqa: F401  (fixtures)
from test_service import receiver, service  # noqa: F401  (fixtures)

HITS = re.compile(r"\b[\d,]+ hits? from ")


def test_silences_say_how_long_and_are_counted(fleet, service, receiver, tmp_path):  # noqa: F811
    hook = receiver()
    metrics = tmp_path / "logsentry.prom"
    running = service(config(tmp_path, fleet.directory, hook.url) + f'[metrics]\ntextfile = "{metrics}"\n')
    running.start()
    time.sleep(3)  # both hosts logging, seen by the service
    fleet.stopped.add("alpha/tock.service")  # one unit of a live host: its own silence
    fleet.stopped.add("web-7")  # a whole host
    host = wait_until(lambda: [a for a in alerts(hook) if "host-went-silent" in a["title"]], 20, "the host alert")[0]
    unit = wait_until(lambda: [a for a in alerts(hook) if "unit-went-silent" in a["title"]], 20, "the unit alert")[0]
    for alert in (host, unit):
        assert not HITS.search(alert["message"]), alert["message"]
        assert re.search(r"\nsilent from \S+ \S+ \(the last entry\) to \S+ \S+ on ", alert["message"]), alert["message"]
    assert "on web-7" in host["message"] and "on alpha" in unit["message"]
    fleet.stopped.discard("alpha/tock.service")
    resolved = wait_until(lambda: [a for a in alerts(hook) if "RESOLVED" in a["title"] and "tock" in a["title"]],
                          10, "the unit's resolve")[0]
    assert re.match(r"tock\.service logs again after \S+ of silence\n", resolved["message"]), resolved["message"]
    assert running.stop() == 0
    stop = [line for line in running.log().splitlines() if "stopped after" in line][-1]
    assert ", 2 incidents, " in stop, stop  # alpha's tock and web-7 (web-7's units wait for their host)
    # each one's page an action: the host's page was no action (newuser78's 12: "8 incidents, 5 actions", 8 pages)
    assert ", 2 incidents, 2 actions; " in stop, stop
    counted = metrics.read_text()
    assert 'logsentry_incidents_total{rule="host-went-silent",severity="error"} 1.0' in counted, counted
