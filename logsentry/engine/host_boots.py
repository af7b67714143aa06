"""A host that rebooted without shutting down (a kernel panic, a power loss, a watchdog reset): one host-level
incident, `host-rebooted-uncleanly`, not one unit-went-silent page per steady unit for the same cause.

Each entry's `_BOOT_ID` (the scanner hands a boot's first entry over in full to show it: sources/_journalscan.c
`fresh`) is followed per machine. When a machine's entry names a boot not seen of it lately, the boot before it
ended cleanly if PID 1 reached shutdown.target in it (engine/stop_windows.py: every reboot, poweroff or kexec does)
or systemd stopped every watched unit of the host (`-u` reads no shutdown.target line; the units' stops it does
read). Otherwise the host went down uncleanly: its last line read before (any unit's) to this first line of its
next boot is time nobody ran, so the silence tracker takes it as a credit, as a suspend's (engine/clock_jumps.py):
a unit's deadline counts on from the new boot, its gap over the downtime is not learnt, and a unit that does not
come back after the reboot still pages as silent, that much later. The units whose silence would have come due in
the downtime are named by the host's incident, which fires at the new boot's first line (an alert; any length:
a reboot of seconds is news too). A host's last boot that ends with no next boot read says nothing here: its units'
silences are judged as before (a collector's host-went-silent, a scan's `hold`).

Per machine id, so a collector's file with several hosts never mixes them. A text log (a syslog file) has no boot id:
there the kernel's banner ("Linux version ...") starts a boot, and its syslog daemon's stop (rsyslogd's "exiting on
signal 15", which comes before shutdown.target, never in the file) makes the boot's end a clean one; a text of the
kernel's lines alone (kern.log) cannot tell, and says nothing of how its boots ended.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Entry, Incident, Severity, split_host_unit
from ..timespec import format_duration, format_usec
from .absence_seen import Seen
from .clock_jumps import ClockJumps
from .stop_windows import BOOT_FIELD, reached_shutdown

RULE_ID = "host-rebooted-uncleanly"
UNIT = "(host)"
"""A host-level incident's unit label, as host_silence.UNIT: parentheses are in no unit name (never restarted)."""
RECENT_BOOTS = 4
"""Boots kept per machine: an entry of one of them (a late line of the boot before) is no new boot."""
MAX_MACHINES = 4096
OPEN_FOR_USEC = 600_000_000
"""A host incident ends (its alert resolves) this long after its next boot's first line (µs of journal time; at the
input's end in a scan): an unclean reboot is a point in time, but an alert resolved as it fires may never be seen
(Alertmanager's group_wait)."""
NAMED_UNITS = 20
"""Units named in the incident's lines; the rest counted."""


TEXT_FIRST = "(a boot before the text's first kernel boot line)"
"""A text log's host's boot until a kernel line says it booted (text_boot)."""
SAME_BOOT_USEC = 2_000_000
"""When a text's first line is less than this older than its first kernel banner (µs), its lines before the banner
are the same boot's: the
kernel prints `microcode: updated early` or `Initializing cgroup subsys cpuset` before its banner, at its time, and
rsyslogd logs its start before the kernel lines it reads at it, in the same second; the host's first boot in a
`journalctl -b` paste or a syslog file was read as an unclean reboot, "down 0.0s without a shutdown" (trial 66: 5 of
its 30 false alarms). No machine reboots in that time: its firmware takes longer."""
TEXT_BOOT = re.compile(r"Linux version \d")
"""The kernel's first line of each boot (init/main.c's linux_banner), as a syslog file keeps it."""
TEXT_SHUTDOWN = re.compile(r"exiting on signal 15\b|^Stopping (?:System Logging Service|rsyslog\.service|syslog-ng)"
                           r"|^Reached target (?:shutdown\.target|System Shutdown|Shutdown)\b")
"""A text log's clean stop: its syslog daemon stopped (rsyslogd's "exiting on signal 15", PID 1 stopping it), which
on a systemd host comes before shutdown.target, whose line then never reaches the file."""
TEXT_SHUTDOWN_BY = frozenset({"rsyslogd", "systemd", "syslog-ng", "init", "syslogd"})
TEXT_LOGGER_START = re.compile(r"\[origin software=\"rsyslogd\" [^]]*\] start$|restart\.$|syslog-ng starting up;")
"""A syslog daemon's start (rsyslogd's `[origin software="rsyslogd" ...] start`, sysklogd's `syslogd 1.5.0#6.2:
restart.`, syslog-ng's `syslog-ng starting up; version=...`) from TEXT_SHUTDOWN_BY's programs: at boot it comes before
the kernel lines it reads, seconds before the banner (sysklogd's 3 s on trial 70's NAS, past SAME_BOOT_USEC), and the
lines from it on are the new boot's."""
LOGGER_LEAD_USEC = 120_000_000
"""A syslog daemon's start at most this long before a kernel banner is that boot's (TEXT_LOGGER_START)."""


def text_boot(entry: Entry) -> str | None:
    """A text log's boot "id" when the entry is the kernel's banner of a boot ("Linux version 6.1.0-28-amd64 ..."),
    named by its time (a text has no _BOOT_ID), else None."""
    if entry.unit != "kernel" or not TEXT_BOOT.match(entry.message):
        return None
    return f"(kernel booted {format_usec(entry.realtime_usec)})"


@dataclass(frozen=True)
class Downtime:
    """A machine's unclean reboot as read: from its last line before to the next boot's first."""

    machine: str
    host: str
    old_boot: str
    new_boot: str
    last_usec: int
    """The host's last line read before it went down (µs; -1: none known)."""
    last_unit: str
    last_message: str
    back_usec: int
    """The next boot's first line read (µs)."""
    cursor: str
    """That line's cursor ("" when it had none)."""
    silent: tuple[str, ...] = ()
    """The watched units whose silence came due in the downtime (sorted)."""

    @property
    def down_usec(self) -> int:
        return max(0, self.back_usec - self.last_usec) if self.last_usec >= 0 else 0


class HostBoots:
    """Per machine, its recent boot ids (newest last), and the boot in which PID 1 reached shutdown.target."""

    def __init__(self) -> None:
        self._boots: OrderedDict[str, list[str]] = OrderedDict()
        self._shut_down: dict[str, str] = {}
        self.logger_stopped: dict[str, int] = {}
        """A text's machine -> the time of its syslog daemon's latest stop line (TEXT_SHUTDOWN)."""
        self.logger_started: dict[str, int] = {}
        """A text's machine -> the time of its syslog daemon's latest start line (TEXT_LOGGER_START)."""
        self.text_began: dict[str, int] = {}
        """A text's machine -> the time of its first line, when it had no banner (TEXT_FIRST)."""
        self._kernel_only: dict[str, bool] = {}
        """A text's machine -> whether every line read of its current boot is the kernel's (kernel_only)."""
        self.ended_kernel_only: dict[str, bool] = {}
        """A text's machine -> whether its boot that just ended held only kernel lines (kernel_only)."""
        self.downs: dict[str, list[tuple[int, int]]] = {}
        """Per machine, its downtimes credited (the time after its last line, µs; the downtime, µs): for words."""
        self.saved_last: dict[str, tuple[int, str]] = {}
        """Per machine, its last line as the service last saved it (µs, unit): after a restart its units' last lines
        are not known (restored rhythms only), and a crash that took the service down with its host is told by it."""

    def snapshot(self, last: Mapping[str, tuple[int, str]]) -> dict[str, list[Any]]:
        """JSON-ready, for the service's state: per machine, [its boot, the boot PID 1 shut down ("" none), its last
        line's time (µs) and unit (`last`, the tracker's; else as saved before)]."""
        out = {}
        for machine, boots in self._boots.items():
            at, unit = last.get(machine) or self.saved_last.get(machine) or (-1, "")
            out[machine] = [boots[-1], self._shut_down.get(machine, ""), at, unit]
        return out

    def restore(self, data: Any) -> None:
        """Take back a snapshot(); malformed items left out."""
        for machine, item in data.items() if isinstance(data, dict) else ():
            if isinstance(machine, str) and isinstance(item, list) and len(item) == 4 and isinstance(item[0], str) \
                    and item[0] and isinstance(item[1], str) and isinstance(item[2], int) and isinstance(item[3], str):
                self._boots[machine] = [item[0]]
                if item[1]:
                    self._shut_down[machine] = item[1]
                if item[2] >= 0:
                    self.saved_last[machine] = (item[2], item[3])
            if len(self._boots) >= MAX_MACHINES:
                break

    def changed(self, entry: Entry) -> str | None:
        """The machine's boot before the entry's, when the entry is the first read of a boot new to it, else None
        ("" when the machine was not seen before)."""
        fields, machine = entry.fields, entry.machine_id
        if entry.from_text:  # no boot id: the kernel's first line of a boot marks one (text_boot)
            boot = text_boot(entry)
            if boot is None and machine in self._boots:
                if entry.unit != "kernel":
                    self._kernel_only[machine] = False
                if fields.get("SYSLOG_IDENTIFIER") in TEXT_SHUTDOWN_BY:
                    if TEXT_SHUTDOWN.search(entry.message):
                        self._shut_down[machine] = self._boots[machine][-1]
                        self.logger_stopped[machine] = entry.realtime_usec
                    elif TEXT_LOGGER_START.search(entry.message):
                        self.logger_started[machine] = entry.realtime_usec
                return None
            boot = boot or TEXT_FIRST
            self.ended_kernel_only[machine] = self._kernel_only.get(machine, True)
            self._kernel_only[machine] = entry.unit == "kernel"
        else:
            boot = fields.get(BOOT_FIELD)
            if not boot:
                return None
            if reached_shutdown(fields, entry.message):
                self._shut_down[machine] = boot
        boots = self._boots.get(machine)
        if boots is None:
            self._boots[machine] = [boot]
            if boot == TEXT_FIRST:
                self.text_began[machine] = entry.realtime_usec
            if len(self._boots) > MAX_MACHINES:
                gone, _ = self._boots.popitem(last=False)
                self._shut_down.pop(gone, None)
                self.downs.pop(gone, None)
                self.text_began.pop(gone, None)
                self.logger_started.pop(gone, None)
                self.logger_stopped.pop(gone, None)
                self._kernel_only.pop(gone, None)
                self.ended_kernel_only.pop(gone, None)
            return ""
        if boots[-1] == boot or boot in boots:
            return None
        if entry.from_text and self._restarted_since_stop(machine, entry.realtime_usec):
            self._shut_down.pop(machine, None)
        boots.append(boot)
        del boots[:-RECENT_BOOTS]
        return boots[-2]

    def _restarted_since_stop(self, machine: str, banner_usec: int) -> bool:
        """Did a text's syslog daemon start again after its stop line, earlier than the boot whose kernel banner is at
        `banner_usec` can have started it (LOGGER_LEAD_USEC)? Then that stop was a restart of the daemon (a package
        upgrade, a config change), not the host's shutdown: a crash later in the boot is an unclean reboot (helper-229:
        `rsyslogd: ... exiting on signal 15` then `... start` an hour before the next banner hid it)."""
        started, stopped = self.logger_started.get(machine), self.logger_stopped.get(machine)
        return started is not None and stopped is not None and stopped <= started < banner_usec - LOGGER_LEAD_USEC

    def mark_shut_down(self, machine: str, boot: str) -> None:
        """PID 1 reached shutdown.target in the machine's `boot` (read by sources/journal_tail.py under -u)."""
        self._shut_down[machine] = boot

    def current(self, machine: str) -> str:
        """The machine's latest boot ("" when none was seen)."""
        boots = self._boots.get(machine)
        return boots[-1] if boots else ""

    def shut_down(self, machine: str, boot: str) -> bool:
        """Did PID 1 reach shutdown.target in the machine's `boot`?"""
        return self._shut_down.get(machine) == boot

    def down_credit(self, last_usec: int, machine: str) -> int:
        """µs of a unit's silence since its line at `last_usec` that its host was down (ClockJumps.credit's part)."""
        return sum(delta for at, delta in self.downs.get(machine, ()) if at > last_usec)


class BootSteps:
    """A mixin of SilenceTracker (its state, declared here, is made there): a machine's boot change."""

    _seen: dict[str, dict[str, Seen]]
    _counting: list[str]
    jumps: ClockJumps
    boots: HostBoots
    downtimes: list[Downtime]
    reboots_open: list[Incident]

    def _due_usec(self, key: str, seen: Seen) -> int:
        raise NotImplementedError  # (SilenceTracker's)

    def boot_seen(self, entry: Entry) -> None:
        """Before the entry's time is looked at: if it is its host's first line of a new boot, the downtime since the
        host's last line is credited to its units (any reboot: nobody ran meanwhile, and a unit whose stop line was
        lost, a syslog file's, is no more silent than the others), and if the boot before did not shut down, the
        host's incident is made (`downtimes`, given out by `expire`)."""
        old = self.boots.changed(entry)
        if not old:
            return
        machine = entry.machine_id
        mine = self._units_of(machine)
        if entry.from_text:  # (a text's new boot may log before its banner: SAME_BOOT_USEC, or from its syslog
            # daemon's start on, LOGGER_LEAD_USEC; its last line is older)
            cut = entry.realtime_usec - SAME_BOOT_USEC
            started = self.boots.logger_started.get(machine, -2**63)
            if cut > started >= entry.realtime_usec - LOGGER_LEAD_USEC:
                cut = started
            mine = [pair for pair in mine if max(pair[1].last_usec, pair[1].stopped_usec) < cut]
        last_key, last_seen = max(mine, key=lambda pair: max(pair[1].last_usec, pair[1].stopped_usec),
                                  default=("", None))
        last_usec = -1 if last_seen is None else max(last_seen.last_usec, last_seen.stopped_usec)
        last_unit, last_message = split_host_unit(last_key)[1], "" if last_seen is None else last_seen.last_details()[1]
        if last_usec <= 0 and machine in self.boots.saved_last:  # (after the service's restart: as it saved it)
            (last_usec, last_unit), last_message = self.boots.saved_last[machine], ""
        if old == TEXT_FIRST and self.boots.text_began.get(machine, -2**63) > entry.realtime_usec - SAME_BOOT_USEC:
            return  # the text's lines before its first banner are this boot's (SAME_BOOT_USEC)
        # A text of the kernel's lines alone (kern.log, dmesg's): no syslog daemon's or systemd's stop can be in it, so
        # how its boot ended is not told (trial 68: every reboot of a kern.log paged "without a shutdown")
        self._rebooted(entry, old, mine, last_usec, last_unit, last_message,
                       claim=not (entry.from_text and self.boots.ended_kernel_only.get(machine, False)))

    def tail_boot(self, last: Entry, first: Entry, shut_down: bool) -> None:
        """A boot change the input narrowed by -u did not read (sources/journal_tail.py): `last` the host's last entry
        of the boot its units' lines were of (any unit's), `first` the next boot's first entry; `shut_down` whether
        PID 1 reached shutdown.target in between. Before the input's final tick, as boot_seen before an entry's."""
        machine, old = first.machine_id, last.fields.get(BOOT_FIELD, "")
        if not self._counting or not old or self.boots.current(machine) != old:
            return  # (a selected line of a later boot was read: boot_seen told it)
        if shut_down:
            self.boots.mark_shut_down(machine, old)
        if self.boots.changed(first) != old:
            return
        self._rebooted(first, old, self._units_of(machine), last.realtime_usec, last.unit, last.message)

    def _units_of(self, machine: str) -> list[tuple[str, Seen]]:
        return [(key, seen) for units in (self._seen[rule_id] for rule_id in self._counting[:1])
                for key, seen in units.items() if split_host_unit(key)[0] == machine]

    def _rebooted(self, entry: Entry, old: str, mine: list[tuple[str, Seen]], last_usec: int, last_unit: str,
                  last_message: str, claim: bool = True) -> None:
        """The machine's boot `old` was followed by the entry's: its downtime credited, its incident made unless the
        boot before shut down (or `claim` is False: the input cannot tell)."""
        machine = entry.machine_id
        watched = [(key, seen) for key, seen in mine if seen.threshold]
        now = entry.realtime_usec
        explained = sorted(split_host_unit(key)[1] for key, seen in watched
                           if seen.last_usec >= 0 and not seen.quiet and seen.incident is None
                           and self._due_usec(key, seen) <= now)
        down = Downtime(machine, entry.host, old, self.boots.current(machine), last_usec, last_unit, last_message,
                        now, entry.cursor, tuple(explained))
        if down.down_usec:  # (at: after the host's last line, so that line's unit is credited too)
            self.jumps.add(last_usec + 1, down.down_usec, machine)
            self.boots.downs.setdefault(machine, []).append((last_usec + 1, down.down_usec))
        if not claim or self.boots.shut_down(machine, old):
            return
        if watched and all(seen.last_usec < 0 and seen.stopped_usec for _, seen in watched):
            return  # systemd stopped each of them: a planned reboot whose shutdown.target line was not read (-u)
        self.downtimes.append(down)

    def take_downtimes(self) -> list[Incident]:
        """The host incidents made since the last call, oldest first (open until `reboots_ended` ends them)."""
        out = [downtime_incident(down) for down in self.downtimes]
        self.downtimes.clear()
        self.reboots_open.extend(out)
        return out

    def reboots_due(self, now_usec: int) -> bool:
        """Has a host incident to be given out, or to end, by `now_usec`?"""
        return bool(self.downtimes) or (bool(self.reboots_open)
                                        and self.reboots_open[0].fired_usec + OPEN_FOR_USEC <= now_usec)

    def reboots_ended(self, now_usec: int | None = None) -> list[Incident]:
        """The host incidents that end by `now_usec` (None: all, the input ended), oldest first."""
        open_ = self.reboots_open
        done = 0
        while done < len(open_) and (now_usec is None or open_[done].fired_usec + OPEN_FOR_USEC <= now_usec):
            done += 1
        out, self.reboots_open[:] = open_[:done], open_[done:]
        return out


def downtime_incident(down: Downtime) -> Incident:
    """The host's incident: its last line before, its next boot's first, how long it was down, the boot ids, and
    the watched units whose silence the downtime explains (its lines: the card shows both, an alert the last)."""
    said = f": {down.last_message[:200]}" if down.last_message else ""
    lines = [f"host down {format_duration(down.down_usec)} without a shutdown: last line "
             + (_last_line(format_usec(down.last_usec), f"{down.last_unit}{said}") if down.last_usec >= 0
                else "unknown")
             + f", next boot's first line {format_usec(down.back_usec)}"]
    if silent := down.silent:
        more = f" and {len(silent) - NAMED_UNITS} more" if len(silent) > NAMED_UNITS else ""
        lines.append(f"watched units silent over it ({len(silent)}): {', '.join(silent[:NAMED_UNITS])}{more}")
    first = down.last_usec if down.last_usec >= 0 else down.back_usec
    boots = f"the {down.new_boot[1:-1]} (a text log names no boot id)" if down.new_boot.startswith("(") else \
        f"boot {down.old_boot} ended uncleanly, boot {down.new_boot} followed"
    return Incident(rule_id=RULE_ID, severity=Severity.ERROR, unit=UNIT, key="", first_usec=first,
                    fired_usec=down.back_usec, last_usec=down.back_usec, count=1, threshold=1,
                    within_usec=down.down_usec, cursor=down.cursor, samples=tuple(lines), action="alert",
                    why=f"rebooted without shutting down (a crash, a power loss, a reset): {boots}",
                    machine_id=down.machine, host=down.host)


def _last_line(when: str, said: str) -> str:
    """`when (unit: words)`, or `when, (unit): words` for a text's unit, in parentheses already (helper-174 saw
    `((api): api: processed ...)`)."""
    return f"{when}, {said}" if said.startswith("(") else f"{when} ({said})"
