"""A kernel OOM kill joins the failure of the unit whose process it killed, on PID 1's word (engine/failures.py);
so does a kernel segfault of the process PID 1 says the unit's main process died of SIGSEGV, named alike.

The kernel's line names a PID, not a unit (failure_pids.py finds the unit where journald stamped that PID); since
systemd 243 PID 1 also says "A process of this unit has been killed by the OOM killer" (read from the unit's
cgroup memory.events). Both sources are trusted: the kernel and PID 1."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Incident
from .failure_model import Failure, named_alike

KERNEL_OOM_RULES = frozenset({"kernel-oom-kill", "kernel-memcg-oom"})
OOM_HEADER_RULES = frozenset({"kernel-oom-invoked"})
"""The OOM report's first line (dump_header): it names the task that asked for memory, not the victim, so it has no
PID to join a unit by; it joins the failure its report's kill joins (`settling_header`), or stays the kernel's
when the report has no kill line (cut inside the trace, or nothing killable)."""
UNIT_OOM_RULES = frozenset({"systemd-unit-oom-killed"})
"""PID 1's word that the kernel killed a process of a unit: a kernel OOM kill still settling on the same machine,
and no other, joins that unit's failure."""


def settling_kill(kernel: Iterable[Failure], incident: Incident, settle_usec: int) -> Failure | None:
    """The one kernel OOM kill among the machine's `kernel` failures not given out yet whose first hit is within
    `settle_usec` before PID 1's `incident`; None when there is none or more than one."""
    kills = [f for f in kernel if f.given is None and all(m[0] in _REPORT_RULES for m in f.members)
             and 0 <= incident.first_usec - min(m.first_usec for m in f.members.values()) <= settle_usec]
    return kills[0] if len(kills) == 1 else None


_REPORT_RULES = KERNEL_OOM_RULES | OOM_HEADER_RULES


def settling_header(kernel: Iterable[Failure], incident: Incident, settle_usec: int,
                    generic: frozenset[str]) -> Failure | None:
    """The one failure among the machine's `kernel` failures not given out yet that holds an OOM header and else
    only `generic` rules' incidents (error-burst), first hit within `settle_usec` before the kernel's kill
    `incident` that joined a unit by its PID: that report's start, one OOM one card (before, a journal's OOM was
    two cards: the header the kernel's, the kill its unit's). None when none or more than one."""
    heads = [f for f in kernel if f.given is None and any(m[0] in OOM_HEADER_RULES for m in f.members)
             and all(m[0] in OOM_HEADER_RULES or m[0] in generic for m in f.members)
             and 0 <= incident.first_usec - min(m.first_usec for m in f.members.values()) <= settle_usec]
    return heads[0] if len(heads) == 1 else None


KERNEL_CRASH_RULES = frozenset({"kernel-segfault"})
"""The kernel's line of a process it sent SIGSEGV (show_signal_msg), keyed by the process's name (comm)."""
MAIN_KILLED_RULE = "systemd-main-process-killed"
_BY_SEGV = re.compile(r"status=(?:11(?:/SEGV)?|SEGV)\.?$")
"""PID 1's "Main process exited, code=killed|dumped, status=11/SEGV" (its number and, since systemd 236, name)."""


def settling_crash(kernel: Iterable[Failure], incident: Incident, settle_usec: int, unit_name: str) -> Failure | None:
    """The one kernel segfault among the machine's `kernel` failures not given out yet, within `settle_usec`
    before PID 1's `incident` saying the unit's main process died of SIGSEGV, whose process name and the unit's
    (`unit_name`, its stem: "netdata") are alike (failure_model.named_alike); None when none or more than one. The
    PID join (failure_pids.py) needs a line of the unit stamped with that PID: a daemon that crashes before it
    logs, or any text paste, left the kernel's line a card of its own beside its unit's (trial 62's netdata)."""
    if incident.rule_id != MAIN_KILLED_RULE or not incident.samples or not _BY_SEGV.search(incident.samples[0]):
        return None
    crashes = [f for f in kernel if f.given is None and all(m[0] in KERNEL_CRASH_RULES for m in f.members)
               and 0 <= incident.first_usec - min(m.first_usec for m in f.members.values()) <= settle_usec
               and all(named_alike(unit_name, m.key) for m in f.members.values())]
    return crashes[0] if len(crashes) == 1 else None


def absorb(failure: Failure, kill: Failure) -> None:
    """The kill's members become the failure's (the caller drops the kill's own failure)."""
    for member, version in kill.members.items():
        failure.members[member] = version
        failure.last_usec = max(failure.last_usec, version.last_usec)
    failure.open.update(kill.open)
