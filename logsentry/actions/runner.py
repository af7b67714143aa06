"""Taking actions with the service's safeguards, for the service and for `logsentry tail --act`.

Both decide with the same GuardedPolicy (watches, stale guard, restart budget, cooldown, escalation when
a signature comes back) and carry out through the same persistent outbox and worker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ..config import SiteConfig
from ..engine.policy import GuardedPolicy, Limits, RestartLedger
from ..model import Action, incident_id
from ..silences import Matcher
from ..state import OutboxItem, State
from ..timespec import wall_usec
from .alert import incident_payload, with_rule_title
from .outbox import OutboxWorker


def guarded_policy(config: SiteConfig, ledger: RestartLedger, clock: Callable[[], int] = wall_usec) -> GuardedPolicy:
    limits = Limits(config.restart.budget, config.restart.period_usec, config.restart.cooldown_usec,
                    config.restart.on_return)

    def allowed(unit: str, rule_id: str) -> frozenset[str] | None:
        watch = config.watch_for(unit, rule_id)
        return None if watch is None else watch.actions

    def hook(unit: str, rule_id: str) -> tuple[str, ...]:
        watch = config.watch_for(unit, rule_id)
        return () if watch is None else watch.command

    return GuardedPolicy(allowed, limits, ledger, clock, config.dry_run, config.own_unit,
                         config.restart.machine_id or None, hook)


def outbox_items(action: Action, hostname: str, context: Sequence[str] = (), *,
                 source: Sequence[str], ahead_usec: int = 0) -> list[OutboxItem]:
    """What to queue for a decided action (nothing for reports and dry runs); `source` is journalctl's arguments
    for where the entries were read (alert.journal_source); `ahead_usec`: alert.journalctl_command's."""
    incident = action.incident
    if action.kind not in ("restart", "alert", "hook") or action.dry_run:
        return []
    base = f"{incident_id(incident)}|{incident.fired_usec}"
    if action.kind == "hook":  # a remote host's restart, for the watch's command (argv, JSON on stdin)
        payload = incident_payload("restart_needed", incident, hostname, action.reason, context, source=source,
                                   ahead_usec=ahead_usec)
        return [OutboxItem(f"hook:{base}", "hook", payload)]
    if action.kind == "restart":
        return [OutboxItem(f"restart:{base}", "restart",
                           {"unit": action.unit, "rule": incident.rule_id, "invocation": incident.invocation,
                            "fired_usec": incident.fired_usec, "host": incident.host or hostname,
                            "machine_id": incident.machine_id})]  # (whose unit: a failure's alert names it)
    payload = incident_payload("firing", incident, hostname, action.reason, context, source=source,
                               ahead_usec=ahead_usec)
    return [OutboxItem(f"alert:{base}:firing", "alert", payload, group=incident_id(incident))]


class ActionRunner:
    """Carries out actions right away, outside the service (tail --act), in a private state file; `source` is
    where tail reads (alert.journal_source of its -D or --file), for the alerts' journalctl commands."""

    def __init__(self, config: SiteConfig, state_path: Path, source: Sequence[str] = (),
                 titles: Mapping[str, str] | None = None):
        """`titles`: each rule's title by id, which an alert's headline says (alert.headline), as the service's do."""
        self.config = config
        self.source = tuple(source)
        self.titles = titles or {}
        self.ledger = RestartLedger()
        self.policy = guarded_policy(config, self.ledger)
        self.state = State(state_path)
        self.worker = OutboxWorker(state_path, config)
        self.worker.silences = Matcher(config.state_dir)  # the site's silences, not the private state's
        self.worker.start()

    def execute(self, action: Action) -> Action:
        items = [replace(item, payload=with_rule_title({**item.payload}, self.titles.get(item.payload["rule"], "")))
                 if item.kind != "restart" else item
                 for item in outbox_items(action, self.config.hostname, source=self.source)]
        if items:
            self.state.commit({}, items, wall_usec())
            self.worker.wake.set()
        return action

    def close(self) -> None:
        self.worker.close(timeout=10)
        self.state.close()
