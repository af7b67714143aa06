"""Planned stops and reloads: a service's own lines while systemd stops or reloads it are that, not a failure.

Between PID 1's "Stopping X..." and the unit's end ("Stopped X.", "X: Deactivated successfully.", then at most
GRACE_USEC more: journald may store the last stdout lines after PID 1's own) or its next start ("Starting X...",
"Started X."), many daemons log at error level: Ceph's `-1 ... *** Got signal Terminated ***`, PostgreSQL's
`FATAL:  terminating connection due to administrator command`, a JVM's interrupted threads. A planned restart or
upgrade must not page them as new errors, so the anomaly rules' hits on such lines are dropped (Pipeline
._anomalies); signature rules still fire (they name a failure, planned stop or not). A crash has no "Stopping"
line before its errors, and a stop that hangs or fails is told by systemd's own lines (systemd-stop-timeout,
systemd-unit-failed). The window is time only, not invocation: the lines the C scanner summarises carry no
invocation id, and every path must decide alike.

A reload is the same from PID 1's "Reloading X..." to its "Reloaded X." and RELOAD_GRACE_USEC more: `systemctl
reload haproxy` makes HAProxy's master re-execute and its old worker say goodbye at WARNING (`Reexecuting Master
process`, `Proxy fe stopped (cumulated conns: ...)`): helper D16's trial paged the first reload after learning as
14 new warning lines. A reload that fails ("Reload failed for X.") ends the window at once.

Only PID 1's lines count (`_PID=1`, journald's: no process can forge them), matched by MESSAGE_ID or, before
systemd 240, by their wording (engine/absence_stops.py does the same for silences).

A planned reboot is the kernel's stop and start: from PID 1's "Reached target shutdown.target" (every clean
reboot, poweroff or kexec reaches it) to its "Startup finished in ..." of the next boot (and BOOT_GRACE_USEC more),
the kernel's lines are its boot messages: logged once a boot, so never learnt when the history holds no boot (a
journal kept two weeks on a host up for months), and some at error level on sound hardware (arch/x86/kernel/cpu/
bugs.c's `RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable...`, pr_err; QEMU's `piix4_smbus ...:
SMBus Host Controller not enabled!`). Helper D13's trial: first-error-template paged a routine reboot for that
line. Their anomaly hits are dropped as a stop's are; the kernel's signature rules (disk, memory, OOM) still
fire, and a crash's reboot (no shutdown.target before it) is judged as any. The window holds the shutdown's boot
(`_BOOT_ID`) for its last MAX_STOP_USEC and the one boot after it, for MAX_BOOT_USEC at most when that boot never
writes "Startup finished" (a unit left starting: `systemd-analyze` says "Bootup is not yet finished", and the host
runs on with no end to read): a later boot (that one crashed) and a kernel error hours into it are judged as any.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..model import Entry, entry_key
from .absence_stops import STOP_TRAILING_USEC, UNIT_STARTED, UNIT_STOPPED, UNIT_STOPPING, UNIT_SUCCESS

UNIT_STARTING = "7d4958e842da4a758f6c1cdc7b36dcc5"  # "Starting X..."
UNIT_RELOADING = "d34d037fff1847e6ae669a370e694725"  # "Reloading X..."
UNIT_RELOADED = "7b05ebc668384222baa8881179cfda54"  # "Reloaded X.", and "Reload failed for X."
RELOAD_GRACE_USEC = 30_000_000
"""How long after PID 1's "Reloaded X." a line of X is still taken for its reload (µs of journal time): a reload
ends when the main process says so (ExecReload= done, or sd_notify RELOADING=0 then READY=1), and the old
generation's goodbyes come after it (HAProxy's soft-stopped worker: `Stopping frontend ...`, `Proxy ... stopped
(cumulated conns: ...)` at WARNING, within milliseconds; a long connection holds it longer)."""
GRACE_USEC = STOP_TRAILING_USEC
"""How long after PID 1's "Stopped X." a line of X is still taken for its shutdown (µs of journal time): 5 s, as
the silence tracker takes them for its last words (absence_stops.STOP_TRAILING_USEC)."""
MAX_STOP_USEC = 600_000_000
"""The longest stop taken for one (µs): systemd's TimeoutStopSec is 90 s by default; a window never closed
(its end not read) does not cover the unit's lines for ever."""
MAX_UNITS = 10_000
"""Windows kept (the latest per unit key); past it the oldest go."""
SHUTDOWN_TARGET = "shutdown.target"
STARTUP_FINISHED = "b07a249cd024414a82dd00cd181378ff"  # "Startup finished in 1.7s (kernel) + 3.1s (userspace) = ..."
BOOT_GRACE_USEC = 120_000_000
"""How long after "Startup finished" the kernel's lines are still taken for its boot (late driver messages)."""
MAX_DOWN_USEC = 7 * 86_400_000_000
"""The longest a reboot window stays open without its "Startup finished" (a boot stuck in an emergency shell):
a host may stay down for days, but a window never closed must not cover its kernel for ever."""
MAX_BOOT_USEC = 1_800_000_000
"""How long the boot after a planned reboot is taken for one without its "Startup finished" (µs of journal time
from the first of its lines read): a boot's kernel messages are read when journald starts."""
KERNEL = "kernel"
BOOT_FIELD = "_BOOT_ID"
"""The field that tells the shutdown's boot, the next and a later one apart (Detector.needed_fields reads it)."""

STOPPING, STOPPED, DEACTIVATED = "stopping", "stopped", "deactivated"
STARTING, STARTED, FINISHED = "starting", "started", "finished"
RELOADING, RELOADED = "reloading", "reloaded"
_BY_ID = {UNIT_STOPPING: STOPPING, UNIT_STOPPED: STOPPED, UNIT_SUCCESS: DEACTIVATED, UNIT_STARTING: STARTING,
          UNIT_RELOADING: RELOADING, UNIT_RELOADED: RELOADED}
_BY_WORDS = (("Stopping ", STOPPING), ("Stopped ", STOPPED), ("Starting ", STARTING), ("Started ", STARTED),
             ("Finished ", FINISHED), ("Reloading ", RELOADING), ("Reloaded ", RELOADED),
             ("Reload failed for ", RELOADED))


def job_word(message_id: str | None, message: str) -> str:
    """What PID 1's line about a unit says of its job, by MESSAGE_ID or, from systemd before catalog ids, by its
    wording ("" for any other line): src/core/job.c's "Stopping %s...", "Starting %s...", "Reloading %s..." and its
    done lines, "Stopped %s." (and "Stopped %s with error."), "Started %s.", "Reloaded %s." (and "Reload failed for
    %s."), each with the unit's name before " - " and its description since v253; service.c's "Finished %s." for a
    oneshot service's start and "Condition check resulted in %s being skipped." under the start's id too (FINISHED:
    a start done, no run begun); unit.c's "%s: Deactivated successfully." (a run ended without a failure)."""
    if message_id is not None:
        if message_id == UNIT_STARTED:
            return STARTED if message.startswith("Started ") else FINISHED
        return _BY_ID.get(message_id, "")
    if message.endswith(": Deactivated successfully."):
        return DEACTIVATED
    return next((word for start, word in _BY_WORDS if message.startswith(start)), "")


@dataclass(frozen=True)
class Reboot:
    """A host's latest planned reboot."""

    start_usec: int
    """PID 1's "Reached target shutdown.target"."""
    boot: str
    """The shutdown's _BOOT_ID ("" when the source gave none: then the window is time only)."""
    end_usec: int = -1
    """The next boot's "Startup finished" + BOOT_GRACE_USEC, -1 until it is read."""
    next_boot: str = ""
    """The _BOOT_ID of the boot after it, "" until a line of it is read."""
    next_first_usec: int = -1
    """When the first of that boot's lines was read."""

    def after(self, entry: Entry) -> Reboot:
        """The reboot once `entry` (PID 1's line or a kernel line of the host) is read: the first line of
        another boot than the shutdown's is the next boot's."""
        boot = entry.fields.get(BOOT_FIELD, "")
        if self.next_boot or not boot or boot == self.boot or entry.realtime_usec < self.start_usec:
            return self
        return replace(self, next_boot=boot, next_first_usec=entry.realtime_usec)

    def covers(self, entry: Entry) -> bool:
        """Is the kernel line one of the shutdown's or of the next boot's (the reboot read up to it)?"""
        at, boot = entry.realtime_usec, entry.fields.get(BOOT_FIELD, "")
        if at < self.start_usec or 0 <= self.end_usec < at:
            return False
        if not boot or not self.boot:
            return self.end_usec >= 0 or at <= self.start_usec + MAX_DOWN_USEC
        if boot == self.boot:  # the shutdown's own last lines
            return at <= self.start_usec + MAX_STOP_USEC
        if boot != self.next_boot:  # a later boot: the next one did not last
            return False
        return self.end_usec >= 0 or at <= min(self.next_first_usec + MAX_BOOT_USEC,
                                               self.start_usec + MAX_DOWN_USEC)


def reached_shutdown(fields: Mapping[str, str], message: str) -> bool:
    """Is this PID 1's line that it reached shutdown.target (every reboot, poweroff or kexec: its start job's done
    line, by MESSAGE_ID or, from systemd before catalog ids, by its words)? A journal's entry's fields: _PID is
    journald's."""
    return fields.get("_PID") == "1" and fields.get("UNIT") == SHUTDOWN_TARGET and (
        fields.get("MESSAGE_ID") == UNIT_STARTED or message.startswith("Reached target "))


def startup_finished(message_id: str | None, message: str) -> bool:
    """Is this PID 1's line that the boot finished (manager.c's "Startup finished in ...", by MESSAGE_ID or words)?"""
    return message_id == STARTUP_FINISHED or (message_id is None and message.startswith("Startup finished in "))


class StopWindows:
    """The latest planned stop of each (machine, unit): (its start, its end or -1 while it goes on)."""

    def __init__(self) -> None:
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._reboots: OrderedDict[str, Reboot] = OrderedDict()
        """Per machine id, its latest planned reboot."""

    def note(self, entry: Entry) -> None:
        """Learn from one of PID 1's lines about a unit or the host's boot (any other entry is ignored)."""
        fields = entry.fields
        if fields.get("_PID") != "1" or entry.from_text:
            return
        message_id, message, at = fields.get("MESSAGE_ID"), entry.message, entry.realtime_usec
        reboot = self._reboots.get(entry.machine_id)
        if reboot is not None and reboot.end_usec < 0:
            reboot = self._reboots[entry.machine_id] = reboot.after(entry)
            if startup_finished(message_id, message):
                if reboot.next_boot in ("", fields.get(BOOT_FIELD, "")):
                    self._reboots[entry.machine_id] = replace(reboot, end_usec=at + BOOT_GRACE_USEC)
                return
        unit = fields.get("UNIT")
        if not unit:
            return
        if reached_shutdown(fields, message):
            self._reboots[entry.machine_id] = Reboot(at, fields.get(BOOT_FIELD, ""))
            self._reboots.move_to_end(entry.machine_id)
            if len(self._reboots) > MAX_UNITS:
                self._reboots.popitem(last=False)
            return
        key = entry_key(entry)
        window = self._windows.get(key)
        word = job_word(message_id, message)
        if word == STOPPING or (word == RELOADING
                                and not (window is not None and window[1] < 0)):  # a reload within a stop: the stop's
            self._windows[key] = (at, -1)
            self._windows.move_to_end(key)
            if len(self._windows) > MAX_UNITS:
                self._windows.popitem(last=False)
            return
        if window is None:
            return
        start, end = window
        if end < 0 and word == RELOADED:
            failed = message.startswith("Reload failed for ")  # its errors after it are the failure's
            self._windows[key] = (start, at if failed else at + RELOAD_GRACE_USEC)
            return
        if word in (STARTING, STARTED, FINISHED):
            self._windows[key] = (start, min(at, end) if end >= 0 else at)  # the next run's lines are its own
        elif end < 0 and word in (STOPPED, DEACTIVATED):
            self._windows[key] = (start, at + GRACE_USEC)

    @property
    def active(self) -> bool:
        """Was any planned stop seen (else nothing is covered: the commonest case, decided at once)?"""
        return bool(self._windows) or bool(self._reboots)

    def covers(self, entry: Entry) -> bool:
        """Is the entry (a line of its unit) within a planned stop of that unit, or a kernel line of a planned
        reboot's boot?"""
        if entry.unit == KERNEL and not entry.from_text:
            reboot = self._reboots.get(entry.machine_id)
            if reboot is not None:
                if reboot.end_usec < 0:
                    reboot = self._reboots[entry.machine_id] = reboot.after(entry)
                if reboot.covers(entry):
                    return True
        window = self._windows.get(entry_key(entry))
        if window is None:
            return False
        start, end = window
        at = entry.realtime_usec
        return start <= at <= (end if end >= 0 else start + MAX_STOP_USEC)
