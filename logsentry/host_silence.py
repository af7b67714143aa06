"""A host whose journal stops arriving: one host-level incident (`host-went-silent`), not one per unit.

For a collector (`journal_directory`, e.g. journal-remote's /var/log/journal/remote) the service tracks per
host (`_MACHINE_ID`) the journal time of the newest entry read and learns the host's rhythm: the gaps between
its successive newest entries, in µs of journal time (engine/rhythm.py, as for a unit). A host is silent when
the wall clock is past its newest entry by more than its threshold: `[hosts] silent_after` when configured,
else learnt (after MIN_GAPS gaps) and never below FLOOR_USEC, which leaves room for
systemd-journal-upload's shipping delay and small clock skew. "The wall clock" is the host's own (host_clocks.py):
ours less its offset, so a host whose clock runs behind is not silent by the difference; its silence is not
judged while its entries arrive at an offset still being learnt (HostClocks.settled). Its incident is alerted
once, re-sent to Alertmanager while it lasts, and resolved when its entries arrive again.

Units of a silent host: a unit silence that comes due while its whole host has logged nothing since the unit's
last entry (beyond the host's usual gap) is held (`hold`), so the host's incident stands for all of them; if the
host comes back and the unit does not, the unit's own silence fires then.

Start-up, as an operator wants it: the hosts (newest entry, rhythm, open incident) are saved with the state.
A host whose incident was open stays open and is not paged again; a host that was logging when logsentry
stopped and is silent now pages once (it stopped while logsentry was down). A host never seen since the first
start (retired before it) is unknown and never pages; a host silent for FORGET_USEC is forgotten (its incident
resolved as such), so a retired machine pages once and its alert ends a week later. The local journal is not
watched here: with no `journal_directory` the canary (service.Canary) proves that journald writes and
logsentry reads, which is the local host's whole-journal check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from .actions.alert import incident_payload, journal_source
from .config import SiteConfig
from .engine.rhythm import MAX_GAPS, SPAN_CAP_USEC
from .host_clocks import HostClocks
from .host_record import HostRecord, from_saved_row, said, saved_names, saved_row
from .hosts import describe_host, host_journalctl
from .model import Entry, Incident, ScreenedRun, Severity, incident_id
from .rules.rule import Absence
from .sources._runs import hosts_walk
from .sources.journal import JournalLocation, JournalOpenError
from .state import OutboxItem
from .timespec import format_duration, format_usec

log = logging.getLogger("logsentry.hosts")

RULE_ID = "host-went-silent"
UNIT = "(host)"
"""The unit label of a host-level alert: parentheses are in no unit name, so no watch or restart ever matches."""
FLOOR_USEC = 300 * 1_000_000
MIN_GAPS = 100
FORGET_USEC = 7 * 86_400 * 1_000_000
RECHECK_USEC = 10 * 1_000_000
"""A held unit silence is looked at again this often (µs)."""
CHECK_EVERY_USEC = 1_000_000
MAX_HOSTS = 10_000
NEW_HOST_SAVE_S = 5.0
"""New hosts are saved with the next commit, at most this often (seconds), not only with the minute's snapshot."""
HOSTS_SAVED_KEY = "hosts_saved_usec"  # state key: when the service saved its hosts last (µs, wall clock)
LEARNT = Absence(silent_for_usec=FLOOR_USEC, min_entries=MIN_GAPS + 1, max_variation=float("inf"))
"""How a host's threshold is learnt: any rhythm counts (a host's journal is the sum of its units: bursty);
3 x its gap at the 99.9th percentile, or the gap seen 1e-4 times a day, never below FLOOR_USEC."""


class HostSilence:
    def __init__(self, config: SiteConfig, clocks: HostClocks | None = None):
        """Off without a `journal_directory` (the canary covers the local journal) or with `silent_after = "off"`;
        `clocks`: each host's clock offset (None: every host judged by the wall clock given to `check`)."""
        self.clocks = clocks
        self.hosts: dict[str, HostRecord] = {}
        if clocks is not None:  # its log line names the host
            clocks.name_of = lambda machine: host.name if (host := self.hosts.get(machine)) is not None else ""
        self.new_hosts = False
        """A host was seen for the first time since the last snapshot()."""
        self._snapshot_at = 0.0
        self.fired = 0
        """Host-level incidents fired since the start (the service counts them with its incidents)."""
        self._checked = 0
        self._resent = 0
        self.configure(config)

    def configure(self, config: SiteConfig) -> None:
        """Take the (reloaded) site config; the hosts and their rhythms stay."""
        self.configured = config.host_silent_after_usec
        """None to learn each host's threshold, 0 for off, else the threshold (µs)."""
        self.observer = config.hostname
        self.directory = config.journal_directory
        has_alertmanager = any(channel.kind == "alertmanager" for channel in config.alerts.channels)
        self.resend_usec = config.alerts.resend_usec if has_alertmanager else 0
        self.resolve = config.alerts.resolve
        self.dry_run = config.dry_run
        self.on = self.directory is not None and self.configured != 0
        for host in self.hosts.values():
            self._review(host)

    def __bool__(self) -> bool:
        return self.on

    # -- per entry -----------------------------------------------------------------------------------------------
    def saw(self, entry: Entry) -> None:
        """A sign of life of the entry's host (journal time, µs; clamped by the service)."""
        machine = entry.machine_id
        if not machine or not self.on:
            return
        host = self._host(machine)
        at = entry.realtime_usec
        if at <= host.newest_usec:
            return
        if host.silent_since and not host.back_usec:
            host.back_usec = at
        if host.newest_usec and not host.silent_since:
            host.rhythm.learn(at - host.newest_usec)  # a silence that paged is not learnt as normal
            if host.rhythm.gaps >= host.review_at:
                self._review(host)
        host.newest_usec = at
        host.name = entry.host or host.name
        host.unit, host.message, host.cursor = entry.unit, entry.message[:500], entry.cursor

    def saw_run(self, run: ScreenedRun) -> None:
        """Signs of life from a run the scanner summarised: per host, its entries' gaps learnt as the gap to
        the run's first entry, the longest gap, and the rest at their mean (the run has no single gaps). A host's
        consecutive spans are walked in C (sources/hosts_fold.c: as _saw per span), a silent one's by _saw."""
        if not self.on:
            return
        spans = run.spans
        at, end = 0, len(spans)
        while at < end:
            span = spans[at]
            machine = span[6]
            if not machine:
                at += 1
                continue
            host = self._host(machine)
            if host.silent_since:
                self._saw(machine, span[2], span[3], span[1], span[4], span[0], span[5], span[7])
                at += 1
                continue
            rhythm = host.rhythm
            at, newest, applied, named, gaps, total, longest, span_usec, bins = hosts_walk(
                spans, at, machine, host.newest_usec, rhythm.gaps, host.review_at, rhythm.longest_usec,
                rhythm.span_usec, SPAN_CAP_USEC)
            if applied < 0:
                continue
            if gaps:
                rhythm.gaps += gaps
                rhythm.total_usec += total
                rhythm.longest_usec, rhythm.span_usec = longest, span_usec
                mine = rhythm.bins
                for index, count in bins:
                    mine[index] = mine.get(index, 0) + count
            if named >= 0:
                host.name = spans[named][7]
            host.newest_usec = newest
            host.unit, host.message, host.cursor = spans[applied][0], spans[applied][5], ""
            if gaps and rhythm.gaps >= host.review_at:
                self._review(host)

    def _saw(self, machine: str, first: int, last: int, count: int, longest: int, unit: str, message: bytes,
             name: str) -> None:
        host = self._host(machine)
        if last <= host.newest_usec:
            return
        host.name = name or host.name
        if host.silent_since and not host.back_usec:  # (a run that overlaps the newest entry: its last stands in)
            host.back_usec = first if first > host.newest_usec else last
        if host.newest_usec and not host.silent_since and first > host.newest_usec:
            rhythm = host.rhythm
            rhythm.learn(first - host.newest_usec)
            if count > 1:
                rhythm.learn(longest)
                rhythm.learn_many((last - first - longest) // max(count - 2, 1), count - 2)
            if rhythm.gaps >= host.review_at:
                self._review(host)
        host.newest_usec = last
        host.unit, host.message, host.cursor = unit, message, ""

    def _host(self, machine: str) -> HostRecord:
        host = self.hosts.get(machine)
        if host is None:
            host = self.hosts[machine] = HostRecord()
            self.new_hosts = True  # saved with the next commit (service_state), not a minute later
            self._review(host)
            if len(self.hosts) > MAX_HOSTS:
                del self.hosts[next(iter(self.hosts))]
        return host

    def _review(self, host: HostRecord) -> None:
        rhythm = host.rhythm
        if rhythm.gaps >= MAX_GAPS:
            rhythm.halve()
        host.review_at = min(max(2 * rhythm.gaps, MIN_GAPS), MAX_GAPS)
        if self.configured is not None:
            host.threshold = self.configured
        else:
            host.threshold = rhythm.threshold(LEARNT) if rhythm.gaps >= MIN_GAPS else 0

    # -- when caught up ------------------------------------------------------------------------------------------
    def check(self, now_usec: int) -> list[OutboxItem]:
        """Alerts due by the wall clock `now_usec` (µs): hosts gone silent, hosts back, forgotten ones, and
        Alertmanager re-sends. Call it only when the reader has caught up (in a backlog every host looks old).
        Each host is judged by its own clock (`_now`): its journal time, as its newest entry's."""
        if not self or now_usec - self._checked < CHECK_EVERY_USEC:
            return []
        self._checked = now_usec
        out: list[OutboxItem] = []
        for machine, host in list(self.hosts.items()):
            now = self._now(machine, now_usec)
            quiet = now - host.newest_usec
            if host.silent_since and host.newest_usec > host.silent_since:
                out.extend(self._back(machine, host, now))
            elif host.silent_since and not host.alerted and not self.dry_run:
                out.extend(self._fire(machine, host, now))  # fired during a dry run, still silent after it
            elif quiet > FORGET_USEC:
                out.extend(self._forget(machine, host))
            elif not host.silent_since and host.threshold and quiet > host.threshold and (
                    self.clocks is None or self.clocks.settled(machine, now_usec)):
                out.extend(self._fire(machine, host, now))
        if self.resend_usec and now_usec - self._resent >= self.resend_usec:
            self._resent = now_usec
            out.extend(self._refresh(now_usec))
        if not self.resolve:
            out = [item for item in out if item.payload["event"] != "resolved"]
        # A dry run pages nothing; a page sent before a reload began it still gets its re-sends and resolve.
        return [item for item in out if item.payload["event"] != "firing"] if self.dry_run else out

    def _now(self, machine: str, now_usec: int) -> int:
        """The wall clock `now_usec` as the machine's clock reads it (µs): ours less its offset."""
        return now_usec - self.clocks.offset(machine) if self.clocks is not None else now_usec

    def _incident(self, machine: str, host: HostRecord, last_usec: int, quiet_usec: int | None = None) -> Incident:
        """The host's incident as of `last_usec` (µs, its clock); `quiet_usec`: how long it logged nothing (µs;
        None: from its newest entry to `last_usec`, while it is silent)."""
        quiet = last_usec - host.newest_usec if quiet_usec is None else quiet_usec
        return Incident(rule_id=RULE_ID, severity=Severity.ERROR, unit=UNIT, key="", first_usec=host.silent_since,
                        fired_usec=host.fired_usec, last_usec=last_usec, count=0, threshold=0,
                        within_usec=host.threshold, cursor=host.cursor, samples=(said(host),), action="alert",
                        why=self._why(host, quiet), machine_id=machine, host=host.name)

    def _why(self, host: HostRecord, quiet_usec: int) -> str:
        usual = f", usually one every {format_duration(host.rhythm.mean_usec)}" if host.rhythm.gaps else ""
        return f"no journal entry for {format_duration(quiet_usec)}{usual}"

    def _payload(self, event: str, incident: Incident, reason: str) -> dict[str, Any]:
        where = journal_source(self.directory)
        payload = incident_payload(event, incident, self.observer, reason, source=where)
        payload["silence"] = True  # no hits: the alert says from when to when the host was silent
        payload["journalctl"] = host_journalctl(incident, where)
        return payload

    def _fire(self, machine: str, host: HostRecord, now_usec: int) -> Iterator[OutboxItem]:
        if not host.name:
            self._look_up(machine, host)
        host.silent_since, host.fired_usec, host.alerted = host.newest_usec, now_usec, not self.dry_run
        self.fired, self.new_hosts = self.fired + 1, True  # saved within seconds: `logsentry incidents` shows it
        incident = self._incident(machine, host, now_usec)
        who = describe_host(machine, host.name)
        reason = (f"{who}: its journal stopped arriving: {incident.why} (threshold "
                  f"{format_duration(host.threshold)}); the newest entry is from {format_usec(host.newest_usec)}"
                  f" ({host.unit}). The host, its journald or systemd-journal-upload, or the network is down")
        log.warning("%s", reason)
        yield OutboxItem(f"alert:{incident_id(incident)}:firing", "alert", self._payload("firing", incident, reason),
                         group=incident_id(incident))

    def _look_up(self, machine: str, host: HostRecord) -> None:
        """The host's name and last line from its newest entry in the journal: entries the scanner summarised
        (sources/screening.py) carry the machine id only, and a host may have logged nothing else."""
        try:
            reader = JournalLocation(directory=self.directory).open()
        except (JournalOpenError, ValueError) as error:
            log.warning("cannot look up host %s in %s: %s", machine, self.directory, error)
            return
        try:
            reader.add_match(f"_MACHINE_ID={machine}")
            reader.seek_tail()
            if reader._previous():
                for name in ("_HOSTNAME", "MESSAGE", "_SYSTEMD_UNIT"):
                    try:
                        value = reader._get(name)
                    except KeyError:
                        continue
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    if name == "_HOSTNAME":
                        host.name = text
                    elif name == "MESSAGE":
                        host.message = text[:500]
                    else:
                        host.unit = text
        except OSError as error:
            log.warning("cannot look up host %s in %s: %s", machine, self.directory, error)
        finally:
            reader.close()

    def _back(self, machine: str, host: HostRecord, now_usec: int) -> Iterator[OutboxItem]:
        """Resolved at the first entry after the silence: its why and reason give the silence's length (once
        both were measured from the newest entry: 0 s and, after a restart, the backlog read too)."""
        back = host.back_usec or host.newest_usec
        gap = back - host.silent_since
        incident = self._incident(machine, host, back, gap)
        reason = f"{describe_host(machine, host.name)}: entries arrive again (after a gap of {format_duration(gap)})"
        log.warning("%s", reason)
        alerted, host.alerted = host.alerted, False
        host.silent_since = host.fired_usec = host.back_usec = 0
        self.new_hosts = True  # (saved within seconds, as at its firing)
        if alerted:
            yield OutboxItem(f"alert:{incident_id(incident)}:resolved", "alert",
                             self._payload("resolved", incident, reason), group=incident_id(incident))

    def _forget(self, machine: str, host: HostRecord) -> Iterator[OutboxItem]:
        del self.hosts[machine]
        reason = (f"{describe_host(machine, host.name)}: no journal entry for {format_duration(FORGET_USEC)}: "
                  "forgotten (retired?); watched again from its next entry")
        log.warning("%s", reason)
        if host.silent_since and host.alerted:
            incident = self._incident(machine, host, host.newest_usec + FORGET_USEC, FORGET_USEC)
            yield OutboxItem(f"alert:{incident_id(incident)}:resolved", "alert",
                             self._payload("resolved", incident, reason), group=incident_id(incident))

    def _refresh(self, now_usec: int) -> Iterator[OutboxItem]:
        for machine, host in self.hosts.items():
            if host.silent_since and host.alerted:
                incident = self._incident(machine, host, self._now(machine, now_usec))
                yield OutboxItem(f"alert:{incident_id(incident)}:refresh{now_usec // self.resend_usec}", "alert",
                                 self._payload("refresh", incident, f"still silent: {incident.why}"),
                                 group=incident_id(incident))

    # -- units of a silent host ----------------------------------------------------------------------------------
    def hold(self, machine_id: str, last_usec: int, now_usec: int, due_usec: int = 0) -> int:
        """For a unit silence coming due (its last entry at `last_usec`; `due_usec`, its deadline, is not needed
        here): 0 to let it fire, else when to look again (µs, after `now_usec`): while the host has logged nothing
        since, beyond its usual gap (its 99th percentile), the host's own incident (fired or to come) stands for
        the unit."""
        host = self.hosts.get(machine_id) if self else None
        if host is None or not host.threshold:
            return 0
        usual = host.rhythm.quantile(0.99) if host.rhythm.gaps >= 10 else 1_000_000
        if host.newest_usec > last_usec + usual:
            return 0
        return now_usec + RECHECK_USEC

    def open_incidents(self, now_usec: int) -> list[Incident]:
        return [self._incident(m, h, self._now(m, now_usec)) for m, h in self.hosts.items() if h.silent_since]

    # -- saved with the state ------------------------------------------------------------------------------------
    def new_hosts_due(self) -> bool:
        """Save the hosts now: one is new since the last snapshot, taken NEW_HOST_SAVE_S ago or more (a flood of
        made-up machine ids costs one snapshot of MAX_HOSTS hosts per NEW_HOST_SAVE_S, not one per commit)."""
        return self.new_hosts and time.monotonic() - self._snapshot_at >= NEW_HOST_SAVE_S

    def snapshot(self) -> list[Any]:
        self.new_hosts, self._snapshot_at = False, time.monotonic()
        return [saved_row(m, h, self.clocks.offset(m) if self.clocks is not None else 0)  # (offset: `hosts`)
                for m, h in self.hosts.items()]

    saved_names = staticmethod(saved_names)

    def restore(self, data: Any) -> None:
        if not isinstance(data, list):
            return
        for item in data[-MAX_HOSTS:]:
            restored = from_saved_row(item)
            if restored is None:
                continue
            machine, host, offset = restored
            self._review(host)
            self.hosts[machine] = host
            if self.clocks is not None and offset is not None:
                self.clocks.restore(machine, offset)  # its clock as judged: not learnt, nor logged, anew
