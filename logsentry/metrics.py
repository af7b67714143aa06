"""Prometheus metrics of the service (issue 17), with prometheus-client: an HTTP endpoint on a configured
address (`[metrics] listen = "127.0.0.1:9464"`; off by default) and/or a textfile for node_exporter's textfile
collector (`[metrics] textfile = "/var/lib/prometheus/node-exporter/logsentry.prom"`, rewritten atomically).

Conventional names and units: counters end in `_total`, times in seconds. Labels carry rule ids, actions,
channel names and host names (bounded: hosts and rules come from the journal and the rule set, at most
MAX_HOSTS hosts are tracked for the lag).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Info, start_http_server, write_to_textfile

from . import __version__
from .config_reader import parse_listen
from .state import NOT_HELD

log = logging.getLogger("logsentry.metrics")

MAX_HOSTS = 10_000


class Metrics:
    def __init__(self, listen: str | None = None, textfile: Path | None = None):
        self.registry = registry = CollectorRegistry()
        self.entries = Counter("logsentry_entries_read", "Journal entries read.", registry=registry)
        self.matches = Counter("logsentry_matches", "Rule hits.", ["rule"], registry=registry)
        self.incidents = Counter("logsentry_incidents", "Incidents fired.", ["rule", "severity"], registry=registry)
        self.actions = Counter("logsentry_actions", "Actions decided, by what became of them.",
                               ["action", "result"], registry=registry)
        self.outcomes = Counter("logsentry_action_outcomes", "What became of the actions queued: restart done, "
                                "failed or not_run (someone else's restart came first), alert delivered, "
                                "hook done or failed.",
                                ["action", "result"], registry=registry)
        self.outbox_pending = Gauge("logsentry_outbox_pending", "Actions waiting in the outbox.", registry=registry)
        self.outbox_oldest = Gauge("logsentry_outbox_oldest_age_seconds",
                                   "Age of the oldest action waiting in the outbox (0 when none).", registry=registry)
        self.delivery_failures = Counter("logsentry_delivery_failures", "Failed alert delivery attempts.",
                                         ["channel"], registry=registry)
        self.lag = Gauge("logsentry_journal_lag_seconds",
                         "Now minus the journal time of the newest entry read from the host, less how far the "
                         "host's clock runs behind ours.", ["host"], registry=registry)
        self.clock_offset = Gauge("logsentry_host_clock_offset_seconds",
                                  "How far the host's journal stamps run behind our clock once steady for 30 s (its "
                                  "clock, or a steady upload delay; 0: not behind, or not known yet).", ["host"],
                                  registry=registry)
        self.quarantined = Gauge("logsentry_rule_quarantined", "1 while the rule is quarantined (regex timeouts).",
                                 ["rule"], registry=registry)
        Info("logsentry_build", "logsentry's version.", registry=registry).info({"version": __version__})
        self.newest: OrderedDict[str, int] = OrderedDict()
        """Per host, the journal time (usec) of the newest entry read."""
        self.machines: dict[str, str] = {}
        """Per host, the machine id its newest entry named (for its clock offset)."""
        self.textfile = textfile
        self._ever_quarantined: set[str] = set()
        self.server: Any = None
        self._lock = threading.Lock()
        if listen:
            address, port = parse_listen(listen)
            started = start_http_server(port, addr=address, registry=registry)
            self.server = started[0] if isinstance(started, tuple) else None
            log.info("metrics on http://%s:%d/metrics", address, port)

    def saw_host(self, host: str, realtime_usec: int, machine_id: str = "") -> None:
        """An entry of `host` (its name for the labels) stamped `realtime_usec` (µs) by machine `machine_id`."""
        newest = self.newest
        if realtime_usec > newest.get(host, -1):
            newest.pop(host, None)
            newest[host] = realtime_usec
            self.machines[host] = machine_id
            if len(newest) > MAX_HOSTS:
                gone, _ = newest.popitem(last=False)
                self.machines.pop(gone, None)
                for gauge in (self.lag, self.clock_offset):
                    with contextlib.suppress(KeyError):  # evicted before any refresh set it
                        gauge.remove(gone)

    def refresh(self, now_usec: int, db: sqlite3.Connection | None = None,
                quarantined: dict[str, Any] | None = None,
                clock_offset: Callable[[str], int] | None = None) -> None:
        """Gauges from the current state (lags, clock offsets, outbox, quarantines); then the textfile, if
        configured. `clock_offset(machine_id)`: µs the machine's clock runs behind ours (host_clocks.HostClocks):
        a collector's host whose clock is 10 min late is current, not 10 min behind in reading."""
        for host, newest in list(self.newest.items()):
            behind = clock_offset(self.machines.get(host, "")) if clock_offset is not None else 0
            self.lag.labels(host=host).set(max(0, now_usec - newest - behind) / 1e6)
            self.clock_offset.labels(host=host).set(behind / 1e6)
        if db is not None:
            try:
                # (an alert a silence holds is no delivery lagging: state.NOT_HELD)
                count, oldest = db.execute("SELECT COUNT(*), MIN(created_usec) FROM outbox "
                                           f"WHERE status IN ('pending', 'in_progress') AND {NOT_HELD}").fetchone()
            except sqlite3.Error as error:
                log.warning("metrics: cannot read the outbox: %s", error)
            else:
                self.outbox_pending.set(count)
                self.outbox_oldest.set(max(0, now_usec - oldest) / 1e6 if oldest else 0)
        if quarantined is not None:
            for rule in quarantined:
                self.quarantined.labels(rule=rule).set(1)
            for rule in self._ever_quarantined - set(quarantined):
                self.quarantined.labels(rule=rule).set(0)  # back after its quarantine
            self._ever_quarantined.update(quarantined)
        self.write_textfile()

    def write_textfile(self) -> None:
        if self.textfile is None:
            return
        with self._lock:
            try:
                write_to_textfile(str(self.textfile), self.registry)  # a temporary file renamed over it
            except OSError as error:
                log.warning("metrics: cannot write %s: %s", self.textfile, error)

    def close(self) -> None:
        self.write_textfile()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
