"""Trial 65's text layouts: `kubectl logs --timestamps` of a log4j program writes the pod's RFC 3339 time, then the
program's own `16:21:08,509 WARN  [category] ...`; a syslog line's tag after a time without a host read `16` as the
identifier, and each line went to a unit "(16)". A tag is no wall time (`HH:MM`)."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

LINES = [
    "2020-11-01T17:21:08.078897061+01:00 16:21:08,078 INFO  [org.jboss.as.clustering.infinispan] (ServerService "
    "Thread Pool -- 72) WFLYCLINF0002: Started authorizationRevisions cache from keycloak container",
    "2020-11-01T17:21:08.510650401+01:00 16:21:08,509 WARN  [org.jboss.jca.core.connectionmanager.pool.strategy."
    "OnePool] (ServerService Thread Pool -- 72) IJ000604: Throwable while attempting to get a new connection: null",
    "2020-11-01T17:21:08.511540000+01:00 16:21:08,511 WARN  [org.jboss.jca.core.connectionmanager.pool.strategy."
    "OnePool] (ServerService Thread Pool -- 72) IJ031084: Unable to create connection",
]


def test_a_pods_log4j_lines_with_kubectls_times_keep_their_unit(tmp_path: Path) -> None:
    path = tmp_path / "keycloak.log"
    path.write_text("\n".join(LINES) + "\n")
    events = json_events(run_cli("scan", "--file", str(path), "-o", "json"))
    matches = of_type(events, "match")
    assert matches and {match["unit"] for match in matches} == {"(keycloak)"}, matches
    assert matches[0]["effective_priority"] == 4 and "IJ031084" in matches[0]["message"]
