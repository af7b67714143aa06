"""Planned stops: a service's own lines while systemd stops it are its shutdown, not a failure.

Between PID 1's "Stopping X..." and the unit's end ("Stopped X.", "X: Deactivated successfully.", then at most
GRACE_USEC more: journald may store the last stdout lines after PID 1's own) or its next start ("Starting X...",
"Started X."), many daemons log at error level: Ceph's `-1 ... *** Got signal Terminated ***`, PostgreSQL's
`FATAL:  terminating connection due to administrator command`, a JVM's interrupted threads. A planned restart or
upgrade must not page them as new errors, so the anomaly rules' hits on such lines are dropped (Pipeline
._anomalies); signature rules still fire (they name a failure, planned stop or not). A crash has no "Stopping"
line before its errors, and a stop that hangs or fails is told by systemd's own lines (systemd-stop-timeout,
systemd-unit-failed). The window is time only, not invocation: the lines the C scanner summarises carry no
invocation id, and every path must decide alike.

Only PID 1's lines count (`_PID=1`, journald's: no process can forge them), matched by MESSAGE_ID or, before
systemd 240, by their wording (engine/absence_stops.py does the same for silences).

A planned reboot is the kernel's stop and start: from PID 1's "Reached target shutdown.target" (every clean
reboot, poweroff or kexec reaches it) to its "Startup finished in ..." of the next boot (and BOOT_GRACE_USEC more),
the kernel's lines are its boot messages: logged once a boot, so never learnt when the history holds no boot (a
journal kept two weeks on a host up for months), and some at error level on sound hardware (arch/x86/kernel/cpu/
bugs.c's `RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable...`, pr_err; QEMU's `piix4_smbus ...:
SMBus Host Controller not enabled!`). Helper D13's trial: first-error-template paged a routine reboot for that
line. Their anomaly hits are dropped as a stop's are; the kernel's signature rules (disk, memory, OOM) still
fire, and a crash's reboot (no shutdown.target before it) is judged as any.
"""

from __future__ import annotations

from collections import OrderedDict

from ..model import Entry, entry_key
from .absence_stops import UNIT_STARTED, UNIT_STOPPED, UNIT_STOPPING, UNIT_SUCCESS

UNIT_STARTING = "7d4958e842da4a758f6c1cdc7b36dcc5"  # "Starting X..."
GRACE_USEC = 5_000_000
"""How long after PID 1's "Stopped X." a line of X is still taken for its shutdown (µs of journal time)."""
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
KERNEL = "kernel"


class StopWindows:
    """The latest planned stop of each (machine, unit): (its start, its end or -1 while it goes on)."""

    def __init__(self) -> None:
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._reboots: OrderedDict[str, tuple[int, int]] = OrderedDict()
        """Per machine id, its latest planned reboot: (PID 1's shutdown.target, the next boot's start + grace, or
        -1 until it is read)."""

    def note(self, entry: Entry) -> None:
        """Learn from one of PID 1's lines about a unit or the host's boot (any other entry is ignored)."""
        fields = entry.fields
        if fields.get("_PID") != "1" or entry.from_text:
            return
        message_id, message, at = fields.get("MESSAGE_ID"), entry.message, entry.realtime_usec
        if message_id == STARTUP_FINISHED or (message_id is None and message.startswith("Startup finished in ")):
            reboot = self._reboots.get(entry.machine_id)
            if reboot is not None and reboot[1] < 0:
                self._reboots[entry.machine_id] = (reboot[0], at + BOOT_GRACE_USEC)
            return
        unit = fields.get("UNIT")
        if not unit:
            return
        if unit == SHUTDOWN_TARGET and (message_id == UNIT_STARTED or message.startswith("Reached target ")):
            self._reboots[entry.machine_id] = (at, -1)
            self._reboots.move_to_end(entry.machine_id)
            if len(self._reboots) > MAX_UNITS:
                self._reboots.popitem(last=False)
            return
        key = entry_key(entry)
        if message_id == UNIT_STOPPING or (message_id is None and message.startswith("Stopping ")):
            self._windows[key] = (at, -1)
            self._windows.move_to_end(key)
            if len(self._windows) > MAX_UNITS:
                self._windows.popitem(last=False)
            return
        window = self._windows.get(key)
        if window is None:
            return
        start, end = window
        if message_id in (UNIT_STARTING, UNIT_STARTED) or (
                message_id is None and message.startswith(("Starting ", "Started "))):
            self._windows[key] = (start, min(at, end) if end >= 0 else at)  # the next run's lines are its own
        elif end < 0 and (message_id in (UNIT_STOPPED, UNIT_SUCCESS) or (message_id is None and (
                message.startswith("Stopped ") or message.endswith(": Deactivated successfully.")))):
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
                start, end = reboot
                if start <= entry.realtime_usec <= (end if end >= 0 else start + MAX_DOWN_USEC):
                    return True
        window = self._windows.get(entry_key(entry))
        if window is None:
            return False
        start, end = window
        at = entry.realtime_usec
        return start <= at <= (end if end >= 0 else start + MAX_STOP_USEC)
