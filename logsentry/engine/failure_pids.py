"""Which unit a kernel line is about (engine/failures.py): the unit whose process had the PID the kernel wrote, as
journald stamped it on that unit's own entries. Log text (a comm, a cgroup path a delegated unit can name) never
decides: only the kernel's number and journald's trusted `_PID` and `_SYSTEMD_UNIT`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from ..model import Entry, Hit, Incident, ScreenedRun

PID_RULES = frozenset({"kernel-oom-kill", "kernel-memcg-oom", "kernel-segfault"})
"""Kernel rules whose `pid` capture is the kernel's own number (the victim's comm, which its process chooses,
is at most 15 bytes and cannot hold the text around the PID): their lines join the unit that owned it."""
MAX_PIDS = 65_536
TEXT_PID_RULES = PID_RULES | {"systemd-coredump"}
"""Rules whose `pid` capture joins a text's line to the text program that logged with that PID (`text_owner`):
systemd-coredump's `Process 7781 (imgproc) ... dumped core.` is `(systemd-coredump)` in text, which has no
COREDUMP_UNIT."""


class PidOwners:
    def __init__(self) -> None:
        self._pids: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        """(machine, PID) -> (unit, invocation), learnt from entries' trusted `_PID` and `_SYSTEMD_UNIT`."""
        self._text_pids: OrderedDict[tuple[str, str], str] = OrderedDict()
        """(machine, PID) -> the text program ("(imgproc)") whose lines carried it: text's own names for text's
        kernel and coredump lines only (`subject`), so a text line never joins, let alone restarts, a real unit."""
        self._kernel_pid: dict[tuple[str, str, str], tuple[str, bool]] = {}
        """(rule, machine, key) -> the PID the latest kernel hit of that window named, and whether the line is the
        kernel's for sure (a journal's `_TRANSPORT=kernel`, not a text line saying `kernel:`)."""

    def learn(self, entry: Entry) -> None:
        """Note which unit owns the entry's `_PID` (journald's, so trusted; never from text input); a text line's
        program and PID apart (`_text_pids`)."""
        fields = entry.fields
        pid, own = fields.get("_PID"), fields.get("_SYSTEMD_UNIT")
        if entry.from_text and pid and pid != "1" and entry.unit.startswith("(") and entry.unit != "(systemd-coredump)":
            key = (entry.machine_id, pid)
            self._text_pids[key] = entry.unit
            self._text_pids.move_to_end(key)
            if len(self._text_pids) > MAX_PIDS:
                self._text_pids.popitem(last=False)
            return
        if not pid or not own or own != entry.unit or entry.from_text or pid == "1":
            return
        key = (entry.machine_id, pid)
        self._pids[key] = (own, fields.get("_SYSTEMD_INVOCATION_ID", ""))
        self._pids.move_to_end(key)
        if len(self._pids) > MAX_PIDS:
            self._pids.popitem(last=False)

    def learn_run(self, run: ScreenedRun) -> None:
        """`learn` for a run's screened-out entries, from the PIDs the scanner noted (ScreenedRun.pids: each
        one's last entry in the run, once per machine): a PID a unit took over while it logged nothing a rule
        can match names it, not the PID's earlier owner, as in a full read."""
        pids, spans = self._pids, run.spans
        for pid, index, invocation in run.pids:
            span = spans[index]
            key = (span[6], pid)
            pids[key] = (span[0], invocation)
            pids.move_to_end(key)
        while len(pids) > MAX_PIDS:
            pids.popitem(last=False)

    def note(self, hit: Hit) -> None:
        """Remember the PID a kernel line named, for the incident the hit may fire (before it is added)."""
        if ((hit.rule_id in PID_RULES and hit.entry.unit == "kernel") or (hit.rule_id in TEXT_PID_RULES
                and hit.entry.from_text)) and (pid := hit.captures.get("pid")):
            self._kernel_pid[(hit.rule_id, hit.entry.machine_id, hit.key)] = (pid, not hit.entry.from_text)
            if len(self._kernel_pid) > MAX_PIDS:
                self._kernel_pid.pop(next(iter(self._kernel_pid)))

    def subject(self, incident: Incident) -> tuple[str, str]:
        """(unit, invocation) the incident is about: a kernel line's is its PID's owner's."""
        if (incident.rule_id in PID_RULES and incident.unit == "kernel") or incident.rule_id in TEXT_PID_RULES:
            pid, trusted = self._named(incident)
            owner = self._pids.get((incident.machine_id, pid)) if pid and trusted else None
            if owner is not None:
                return owner
            # a text's kernel or coredump line, of the text program that logged with its PID: one failure, as in
            # the journal (a pasted `journalctl -xe` of one segfault was three cards: a new user's trial)
            if pid and not trusted and (program := self._text_pids.get((incident.machine_id, pid))) is not None:
                return program, ""
        return incident.unit, incident.invocation

    def other_process(self, incident: Incident, members: Iterable[Incident]) -> bool:
        """Is the kernel line of `incident` about another process than a kernel line among `members`? A segfault
        of one PID and an OOM kill of another, neither owned by a unit seen, are two failures of "kernel", not one
        (a text log's kernel lines, which name no unit's PID, were one card). The number only splits, never joins,
        so a text line's (no trusted field vouches for it) counts here too."""
        if incident.rule_id not in PID_RULES or incident.unit != "kernel":
            return False
        pid = self._named(incident)[0]
        return bool(pid) and any((other := self._named(m)[0]) and other != pid
                                 for m in members if m.rule_id in PID_RULES and m.unit == "kernel")

    def _named(self, incident: Incident) -> tuple[str, bool]:
        """The PID the latest kernel hit of the incident's window named, and whether it is the kernel's for sure;
        ("", False) when none was noted."""
        return self._kernel_pid.get((incident.rule_id, incident.machine_id, incident.key), ("", False))
