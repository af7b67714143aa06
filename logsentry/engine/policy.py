"""Incident -> actions: what should be done about a fired trigger.

A restart is only proposed for something systemd can restart: a valid unit name, attributed by trusted
fields only (sources.selection.subject_unit), not init.scope, not the kernel, not logsentry itself. An
alert goes out for every incident so people learn of each restart.

Only units of the local machine are restarted: an incident's entries must carry `_MACHINE_ID` equal to
`local_machine` (/etc/machine-id, or `restart.machine_id`). For another host (a collector reading shipped
journals) the restart becomes an alert naming the host to restart, and, when the watch has a `command` hook, a
"hook" action that hands the incident to it; entries without `_MACHINE_ID` are never restarted, nor those of a
journal-remote file claiming this machine's (the reader disowns them: sources/fanin.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ..host_clocks import clock_behind
from ..hosts import claims, describe_host, local_machine_id
from ..model import Action, Incident, journald_machine
from ..sources.selection import USER_MANAGER, container_of, is_untrusted_source, user_unit_of, valid_unit_name
from ..timespec import format_duration
from .second_look import AWAITING, HELD, STALE


def user_manager(unit: str) -> bool:
    """Is `unit` a user's service manager (`user@1000.service`)? journald files every line of that user's own
    services (systemd --user units, rootless containers) under it as _SYSTEMD_UNIT (their own name is
    _SYSTEMD_USER_UNIT: their subject is `user@1000.service/UNIT`, but the manager's own lines and a line from
    before that split are its), so one service's restart signature would restart the manager and stop every one of
    them: never restarted."""
    return USER_MANAGER.fullmatch(unit) is not None


REFUSALS = ("came back after restart: ", "restart loop: ", "restart cooldown: ", "rule suggests a restart")
"""How the reason of an alert in place of a restart a rule suggested begins (GuardedPolicy._guard_restart,
not_restarted, _unvouched_reason): the service logs such a decision too (`refused_restart`)."""


def refused_restart(reason: str) -> bool:
    """Does an alert's reason say why a restart its rule suggested was not done?"""
    return reason.startswith(REFUSALS)


def not_restarted(unit: str) -> str:
    """Why a restart a rule suggests is not done for `unit`, which is no restartable unit."""
    if user_manager(unit):
        return (f"rule suggests a restart, but {unit} is a user's service manager: its lines are that user's own "
                f"services' (each named by _SYSTEMD_USER_UNIT), and restarting it would stop all of them: not "
                f"restarted")
    if (container := container_of(unit)) is not None:
        return (f"rule suggests a restart, but {unit} is container {container[1]} of {container[0]} (its journald "
                f"log driver): logsentry restarts systemd units, and restarting {container[0]} would stop every "
                f"container: not restarted")
    if (user := user_unit_of(unit)) is not None:
        return (f"rule suggests a restart, but {unit} is {user[1]} of {user[0]}, a user's own service: logsentry "
                f"restarts system units only: not restarted")
    if is_untrusted_source(unit):
        return (f"rule suggests a restart, but {unit} is a name its lines give themselves (a text's, or an "
                "identifier with no unit journald vouches for), no unit to restart: not restarted")
    return f"rule suggests a restart, but {unit or 'the source'} is not a restartable unit"


RESTARTABLE_SUFFIXES = (".service", ".socket", ".mount", ".swap", ".timer", ".path", ".target")
NEVER_RESTART = frozenset({"init.scope", "logsentry.service", "systemd-journald.service"})


@dataclass(frozen=True)
class Policy:
    dry_run: bool = True
    own_unit: str = "logsentry.service"
    local_machine: str = field(default_factory=local_machine_id)
    """The machine whose units may be restarted ("" : none)."""

    def restartable(self, unit: str) -> bool:
        return (unit.endswith(RESTARTABLE_SUFFIXES) and valid_unit_name(unit) and unit not in NEVER_RESTART
                and unit != self.own_unit and not user_manager(unit))

    def decide(self, incident: Incident) -> list[Action]:
        actions = []
        if incident.action == "restart":
            if self.restartable(incident.unit) and not self.is_remote(incident):
                actions.append(Action("restart", incident.unit, incident, self.dry_run, "rule suggests a restart"))
            elif self.restartable(incident.unit):
                actions.append(Action("alert", incident.unit, incident, self.dry_run, self.remote_reason(incident)))
                return actions
            else:
                actions.append(Action("alert", incident.unit, incident, self.dry_run, not_restarted(incident.unit)))
                return actions
        actions.append(Action("alert", incident.unit, incident, self.dry_run, f"{incident.severity.label} incident"))
        return actions

    def is_remote(self, incident: Incident) -> bool:
        """Not provably this machine's: no `_MACHINE_ID`, another one, or no local machine id known."""
        return not incident.machine_id or incident.machine_id != self.local_machine

    def misspelt_claim(self, incident: Incident) -> bool:
        """Do the incident's entries claim the local machine in a spelling its journald never writes (capitals, a
        UUID, several values: hosts.claims)? Only a journal-remote file's sender writes one, which the local
        journal's one reader does not disown (GuardedPolicy.unvouched): no other host, and nothing to hook."""
        return bool(self.local_machine) and incident.machine_id != self.local_machine \
            and claims(incident.machine_id, (self.local_machine,))

    def remote_reason(self, incident: Incident) -> str:
        if self.misspelt_claim(incident):
            return (f"rule suggests a restart of {incident.unit}, but its entries claim this machine's _MACHINE_ID "
                    f"in a spelling its journald never writes ({incident.machine_id!r}: a journal-remote file's "
                    "sender wrote it): not restarted, here or elsewhere")
        machine = journald_machine(incident.machine_id)  # a text line's host key is no _MACHINE_ID
        if not machine:
            return (f"rule suggests a restart of {incident.unit}, but its entries carry no _MACHINE_ID it can trust "
                    "(none, or a journal-remote file's claim to be this machine, logged as such): not restarted "
                    "(logsentry restarts only units of its own machine)")
        where = describe_host(machine, incident.host)
        if not self.local_machine:
            return (f"restart {incident.unit} on {where}: rule suggests a restart, but this machine's id is "
                    "unknown (/etc/machine-id unreadable): not restarted here")
        return (f"restart {incident.unit} on {where}: rule suggests a restart; that is another host, so "
                "logsentry does not restart it here")


@dataclass(frozen=True)
class RestartRecord:
    """A restart logsentry decided on, with the invocation the unit had then and, once the restart was
    carried out, the invocation it started (`after`, "" until known) and when (`done_usec`, wall time: the
    decision's `at_usec` is its hit's journal time, up to a backlog's catch-up earlier); `outcome` "" while the
    worker has not said how it went, then "done" or "failed" (one that never ran is withdrawn:
    RestartLedger.withdraw)."""

    unit: str
    rule_id: str
    at_usec: int
    invocation: str
    after: str = ""
    outcome: str = ""
    done_usec: int = 0


class RestartLedger:
    """Recent restart decisions, the memory behind budgets, cooldowns and "came back after restart"."""

    def __init__(self, records: list[RestartRecord] | None = None):
        self.records = records or []

    def for_unit(self, unit: str, since_usec: int) -> list[RestartRecord]:
        return [r for r in self.records if r.unit == unit and r.at_usec >= since_usec]

    def add(self, record: RestartRecord, keep_since_usec: int) -> None:
        self.records = [r for r in self.records if r.at_usec >= keep_since_usec] + [record]

    def carried_out(self, unit: str, at_usec: int, after: str, done_usec: int = 0) -> bool:
        """The restart decided at `at_usec` started invocation `after` at `done_usec`; False when no record
        matches."""
        return self._outcome(unit, at_usec, "done", after, done_usec)

    def failed(self, unit: str, at_usec: int) -> bool:
        """The restart decided at `at_usec` failed (its command ran and said so, or timed out)."""
        return self._outcome(unit, at_usec, "failed", "")

    def _outcome(self, unit: str, at_usec: int, outcome: str, after: str, done_usec: int = 0) -> bool:
        for index, record in enumerate(self.records):
            if record.unit == unit and record.at_usec == at_usec:
                self.records[index] = replace(record, after=after, outcome=outcome, done_usec=done_usec)
                return True
        return False

    def awaited(self, unit: str, invocation: str, since_usec: int) -> RestartRecord | None:
        """The newest restart of `unit` decided since `since_usec` in another invocation than `invocation`
        whose outcome is not known yet (None: none). Whether a new invocation is that restart's or someone
        else's (an operator's, a deploy's) is known only from its outcome."""
        waiting = [r for r in self.for_unit(unit, since_usec) if not r.outcome and r.invocation != invocation]
        return waiting[-1] if waiting else None

    def withdraw(self, unit: str, at_usec: int) -> bool:
        """The restart decided at `at_usec` never ran (someone else restarted the unit first): forgotten, so
        budget, cooldown and "came back after restart" count only restarts logsentry carried out."""
        kept = [r for r in self.records if not (r.unit == unit and r.at_usec == at_usec)]
        found = len(kept) != len(self.records)
        self.records = kept
        return found

    def snapshot(self) -> list[dict[str, object]]:
        return [
            {"unit": r.unit, "rule_id": r.rule_id, "at_usec": r.at_usec, "invocation": r.invocation, "after": r.after,
             "outcome": r.outcome, "done_usec": r.done_usec} for r in self.records]

    @classmethod
    def restore(cls, items: list[dict[str, object]] | None) -> RestartLedger:
        """Records as `snapshot` saved them; one saved before outcomes were is taken as done (as it was judged)."""
        return cls([RestartRecord(str(i["unit"]), str(i["rule_id"]), int(str(i["at_usec"])), str(i["invocation"]),
                                  str(i.get("after", "")), str(i.get("outcome", "done")),
                                  int(str(i.get("done_usec", 0))))
                    for i in items or []])


@dataclass(frozen=True)
class Limits:
    """The loop-protection numbers the guarded policy needs (from the site config)."""

    budget: int
    period_usec: int
    cooldown_usec: int
    on_return: str


class GuardedPolicy:
    """The service's policy: which watch covers the incident, then stale guard, then loop protection.

    Decisions are made on the incident's journal time, so replaying the same entries after a crash
    reaches the same decisions from the same saved ledger. The stale guard judges an incident by its host's
    clock: our wall clock less `clock_offset(machine id)` (µs our clock is ahead of that host's, host_clocks.py),
    so a collector's host whose clock runs behind is not stale by our clock alone.
    """

    def __init__(self, allowed: Callable[[str, str], frozenset[str] | None], limits: Limits,
                 ledger: RestartLedger, now_usec: Callable[[], int], dry_run: bool, own_unit: str,
                 local_machine: str | None = None, hook: Callable[[str, str], tuple[str, ...]] | None = None,
                 clock_offset: Callable[[str], int] | None = None, clock_settled: Callable[[str], bool] | None = None):
        """`local_machine`: the machine whose units may be restarted (None: /etc/machine-id); `hook(unit,
        rule)`: the covering watch's `command` argv (() for none), given remote hosts' restart incidents;
        `clock_offset(machine id)`: µs our clock is ahead of that machine's (None: 0 for every machine);
        `clock_settled(machine id)`: is that offset known (None: always)? A stale-looking incident of a host
        whose offset is not is held (StaleReports), not taken for stale: a backlog and a late clock look alike
        until the offset holds. The ledger holds the local machine's restarts only (no other machine's unit is
        ever restarted)."""
        self.allowed = allowed
        self.limits = limits
        self.ledger = ledger
        self.now_usec = now_usec
        self.hook = hook
        self.clock_offset = clock_offset
        self.clock_settled = clock_settled
        self.awaits_outcomes = False
        """Hold a restart incident of a new invocation while an earlier restart of its unit has no outcome (the
        service, which learns outcomes: RestartLedger.carried_out); False: decide at once (`tail --act`)."""
        self.unvouched: Callable[[], Sequence[str]] | None = None
        """The files read that are not this machine's journald's yet can claim its _MACHINE_ID (the service on the
        local journal: fanin_files.unvouched_local), asked at each restart it would decide; None: not asked (a
        journal_directory's reader disowns such claims file by file)."""
        self.base = Policy(dry_run=dry_run, own_unit=own_unit,
                           local_machine=local_machine_id() if local_machine is None else local_machine)

    def decide(self, incident: Incident, wall_usec: int | None = None, waited: bool = False) -> list[Action]:
        """The actions for an incident, judged at our wall clock `wall_usec` (µs; None: now): a held one is
        judged at the time it was held. `waited`: it waited its longest for an earlier restart's outcome."""
        dry = self.base.dry_run
        allowed = self.allowed(incident.unit, incident.rule_id)
        if allowed is None:
            return [Action("report", incident.unit, incident, dry, "no watch covers this unit and rule")]
        behind, age = self._age(incident, wall_usec)
        if age > incident.within_usec and incident.machine_id and self.clock_settled is not None \
                and not self.clock_settled(incident.machine_id):
            return [Action("report", incident.unit, incident, dry, f"{HELD}its newest hit is {_age(age)} "
                           "old by our clock, older than its window, and its host's clock is being learnt "
                           "(a late clock or a backlog): decided once it is known")]
        if age > incident.within_usec:
            behind = clock_behind(behind)  # within the tolerance: its arrival delay, not a clock (host_clocks.py)
            clock = f" by its host's clock ({behind // 1_000_000}s behind ours)" if behind else ""
            return [Action("report", incident.unit, incident, dry, f"{STALE}its newest hit is {_age(age)} "
                           f"old{clock}, older than its window; not acted on")]
        if not waited and self.awaits(incident) and "restart" in allowed:
            return [Action("report", incident.unit, incident, dry, f"{AWAITING}a restart of {incident.unit} logsentry "
                           "decided in an earlier invocation has no outcome yet: whether this invocation is that "
                           "restart's or someone else's is decided once it has")]
        proposed = self.base.decide(incident)
        actions = []
        remote = incident.action == "restart" and self.base.restartable(incident.unit) \
            and self.base.is_remote(incident)
        for action in proposed:
            if action.kind == "restart" and "restart" in allowed:
                actions.extend(self._guard_restart(action))
            elif action.kind == "alert" and ("alert" in allowed or (remote and "restart" in allowed)):
                actions.append(action)  # a restart another host needs is said even where only restarts are allowed
        if remote and journald_machine(incident.machine_id) and "restart" in allowed and self.hook is not None \
                and not self.base.misspelt_claim(incident) and self.hook(incident.unit, incident.rule_id):
            actions.append(Action("hook", incident.unit, incident, dry,
                                  f"handed to the watch's command hook: {self.base.remote_reason(incident)}"))
        if not actions:
            return [Action("report", incident.unit, incident, dry, "the watch allows none of the suggested actions")]
        return _dedupe_alerts(actions)

    def awaits(self, incident: Incident) -> bool:
        """Must the incident wait for an earlier restart's outcome (`awaits_outcomes`)? When a restart of its unit
        (this machine's) decided in another invocation has none yet: were the restart never carried out (logsentry
        killed before its command ran) and this invocation someone else's, "came back after restart" and the
        cooldown would leave a hung unit alone."""
        if not (self.awaits_outcomes and incident.action == "restart" and self.base.restartable(incident.unit)) \
                or self.base.is_remote(incident) or self.base.dry_run:  # (a dry run's restarts have no outcome)
            return False
        since = incident.fired_usec - max(self.limits.period_usec, self.limits.cooldown_usec)
        return self.ledger.awaited(incident.unit, incident.invocation, since) is not None

    def _age(self, incident: Incident, wall_usec: int | None = None) -> tuple[int, int]:
        """(µs our clock is ahead of the incident's host's, µs from its newest hit to our wall clock `wall_usec`
        (None: now) by that host's clock)."""
        behind = self.clock_offset(incident.machine_id) if self.clock_offset and incident.machine_id else 0
        now = self.now_usec() if wall_usec is None else wall_usec
        return behind, now - behind - incident.last_usec  # by the host's clock (host_clocks.py)

    def fresh(self, incident: Incident) -> bool:
        """Is the incident's newest hit within its window of now (by its host's clock): not stale?"""
        return self._age(incident)[1] <= incident.within_usec

    def _guard_restart(self, action: Action) -> list[Action]:
        incident, limits, dry = action.incident, self.limits, action.dry_run
        if self.unvouched is not None and (files := self.unvouched()):
            return [Action("alert", incident.unit, incident, dry, _unvouched_reason(incident.unit, files))]
        at = incident.fired_usec
        recent = self.ledger.for_unit(incident.unit, at - limits.period_usec)
        same_rule = [r for r in recent if r.rule_id == incident.rule_id]
        # "Came back": the signature in the invocation logsentry's own restart started. An invocation someone
        # else started since (an operator's restart, a deploy) is a fresh start: budget and cooldown decide.
        if same_rule and incident.invocation and incident.invocation != same_rule[-1].invocation \
                and same_rule[-1].after in ("", incident.invocation) and limits.on_return == "alert":
            return [Action("alert", incident.unit, incident, dry,
                           f"{REFUSALS[0]}the same signature in the unit's new invocation; not restarting again")]
        if len(recent) >= limits.budget:
            return [Action("alert", incident.unit, incident, dry,
                           f"{REFUSALS[1]}{len(recent)} restarts within {format_duration(limits.period_usec)} "
                           f"(budget {limits.budget}); not restarting")]
        if recent and at - recent[-1].at_usec < limits.cooldown_usec:
            return [Action("alert", incident.unit, incident, dry,
                           f"{REFUSALS[2]}last restart {format_duration(at - recent[-1].at_usec)} ago "
                           f"(cooldown {format_duration(limits.cooldown_usec)}); not restarting")]
        self.ledger.add(RestartRecord(incident.unit, incident.rule_id, at, incident.invocation),
                        keep_since_usec=at - max(limits.period_usec, limits.cooldown_usec))
        return [action]


def _unvouched_reason(unit: str, files: Sequence[str]) -> str:
    more = f" and {len(files) - 1} more" if len(files) > 1 else ""
    return (f"rule suggests a restart of {unit}, but the local journal holds files this machine's journald did not "
            f"write, which can claim its _MACHINE_ID ({files[0]}{more}): not restarted while they are there "
            "(journald writes none at the top of /var/log/journal; systemd-journal-remote --output=/var/log/journal/ "
            "does: give it a directory of its own, such as /var/log/journal/remote/)")


def _dedupe_alerts(actions: list[Action]) -> list[Action]:
    """One alert per incident: an escalation alert replaces the plain one."""
    alerts = [a for a in actions if a.kind == "alert"]
    if len(alerts) > 1:
        keep = alerts[0]
        return [a for a in actions if a.kind != "alert" or a is keep]
    return actions


def _age(usec: int) -> str:
    """An incident's age in seconds, as scripts read it, and from an hour on in words too: "22881717s" alone, a
    tail of a journal's old lines, read as nothing (helper-124: 264 days)."""
    seconds = f"{usec // 1_000_000}s"
    return f"{seconds} ({format_duration(usec - usec % 60_000_000)})" if usec >= 3_600_000_000 else seconds
