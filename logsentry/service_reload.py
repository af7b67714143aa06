"""The pipeline the service runs, built from its config and rules: at the start, and again at a SIGHUP's reload,
which carries the open windows, silence rhythms and failures over to the new pipeline, or keeps the running config
when the new config or a rule file is wrong.

Kept apart from the read loop (service.py): the loop decides when a reload happens (between entries), this what
the pipeline is built from and what a reload keeps. ServiceConfiguring is Service's base.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import replace

from .actions.runner import guarded_policy
from .config import SiteConfig
from .config_check import check_site
from .config_rules import log_rule_names
from .engine.policy import GuardedPolicy, RestartLedger
from .engine.quarantine import BudgetedDetector
from .host_clocks import HostWindows
from .model import Action, incident_id
from .pipeline import Pipeline
from .rules.loader import RuleSet, load_rules
from .service_journal import ServiceReading
from .sources.fanin_files import unvouched_local
from .timespec import wall_usec
from .wording import plural

log = logging.getLogger("logsentry")


def load_rule_set_for(config: SiteConfig) -> RuleSet:
    return load_rules(config.rule_dirs, disabled=config.disabled_rules, lazy_shipped=True)


class ServiceConfiguring(ServiceReading):
    """Service's pipeline building and reloading; the attributes are set by Service.__init__."""

    dry_run: bool
    rule_set: RuleSet
    policy: GuardedPolicy
    reload_requested: bool
    reload_note: str

    def dry_run_said(self) -> str:
        """Said in the "ready" line, STATUS and each reload's line while the service acts on nothing (a
        forgotten `dry_run = true` must not pass for a service that works); "" when it acts."""
        if not self.config.dry_run:
            return ""
        why = "--dry-run" if self.dry_run else f"dry_run = true in {self.config.path}"
        return f"dry run ({why}): restarts and alerts are logged, not done" + (
            ", the heartbeat not pinged" if self.config.heartbeat_url else "")

    def _build_pipeline(self, rule_set: RuleSet) -> Pipeline:
        # A dry run decides its would-be restarts on a copy of the ledger: they guard each other as real ones
        # would (budget, cooldown, comebacks), but none is saved, nor counted once the service is live (its
        # phantom restart made a live deadlock wait up to 30 min for an outcome, or go unrestarted).
        ledger = RestartLedger(list(self.ledger.records)) if self.config.dry_run else self.ledger
        policy = self.policy = guarded_policy(self.config, ledger)
        policy.clock_offset = self.clocks.offset  # the stale guard judges by each host's clock
        policy.awaits_outcomes = True  # a new invocation's restart incident waits for an earlier restart's outcome
        if self.config.journal_directory is None and (vouch := self._vouch_for):
            # one merged reader of the local journal cannot tell a journal-remote file at the top of
            # /var/log/journal from journald's own: while one is there, no claim to be this machine is restarted
            policy.unvouched = lambda: unvouched_local(vouch)
        pipeline = Pipeline(BudgetedDetector(rule_set.rules), policy,
                            anomaly=self.keeper.build(rule_set.rules), silence_overrides=self.config.silence_for)
        pipeline.silence.hold = self.hosts.hold if self.hosts else None  # a silent host's units: one incident
        # a host's windows end by its clock, and while that is learnt or its entries come late (a backlog), not
        # before its own journal time
        HostWindows(self.clocks, self._clock_settled).attach(pipeline.tracker)
        pipeline.silence.clock_offset = self.clocks.offset  # and its units' silences come due by it, once known
        pipeline.silence.clock_settled = policy.clock_settled = self._clock_settled  # judged once that is known
        pipeline.silence.own_machine = self.local_machine  # our clock's jumps are the ClockWatch's (clock_jumps.py)
        pipeline.silence.own_since = wall_usec()  # from now on: those in the backlog a start reads are the entries'
        return pipeline

    @property
    def _vouch_for(self) -> str:
        """The machine only whose own journald files vouch for a claim to be it, by the current config
        (RestartPolicy.vouch_for): the followers, the learner and the guard on the local journal all ask."""
        return self.config.restart.vouch_for(self.local_machine)

    def _clock_settled(self, machine: str) -> bool:
        """Is the machine's clock offset known (host_clocks.HostClocks.settled; always for the local machine)?"""
        return machine in ("", self.local_machine) or self.clocks.settled(machine, wall_usec())

    def _learn_pending(self) -> None:
        """Counted entries not learnt yet go into the baselines before they are saved for good."""
        try:
            for event in self.pipeline.learn_pending():
                self._handle(event)
        except Exception:  # at a stop, saving the rest matters more
            log.exception("learning the last counted entries failed; their counts are not saved")

    def _page_after_dry_run(self) -> None:
        """A reload ended `dry_run = true`: the incidents opened meanwhile and still open (or held), whose alerts
        were never sent, are paged now where their watch allows alerts. Their restarts are not done: restarting
        at a reload, for a hit that may be minutes old, would surprise; the alert says so."""
        for incident in [*self.pipeline.open_incidents(), *self.held.incidents()]:
            allowed = self.policy.allowed(incident.unit, incident.rule_id)
            if incident_id(incident) in self.alerting or allowed is None or "alert" not in allowed:
                continue
            reason = f"{incident.severity.label} incident, opened during a dry run and still open when a reload " \
                     "ended it" + ("; the restart its rule suggests was not done" if incident.action == "restart"
                                   else "")
            log.warning("incident %s on %s%s: %s: alerted now", incident.rule_id, incident.unit,
                        self._of_host(incident), reason)
            self._act(Action("alert", incident.unit, incident, False, reason))

    def _reconfigure(self) -> bool:
        """Apply a new config and rule set; keep the old ones when anything is wrong (reload_note says so
        until the next good reload). Service._reload says the outcome in STATUS."""
        self.reload_requested = False
        # every problem at once, as `run` and `config check` say them (but the shipped regexes: load_rules)
        checked = check_site(self.config.path, lazy_shipped=True)
        if checked.problems or checked.config is None:
            count = plural(len(checked.problems), "problem", separated=False)
            self.reload_note = (f"reload at {time.strftime('%H:%M:%S')} rejected ({count}, see the journal): running "
                                "the previous config")
            log.error("reload rejected, keeping the running config: %s: %s", count, "; ".join(checked.problems))
            return False
        config, rule_set = checked.config, checked.rule_set
        was_dry = self.config.dry_run
        if self.dry_run:
            config = replace(config, dry_run=True)
        log_rule_names(log, checked.names, "reloaded")  # (as `run` says them at start)
        self._learn_pending()  # the new pipeline starts with the baselines, not with the old one's counts
        self._commit()
        windows = self.pipeline.tracker.snapshot()
        rhythms = self.pipeline.silence.snapshot()
        failures = self.pipeline.failures.snapshot()
        self.config, self.rule_set = config, rule_set
        self.hosts.configure(config)
        self.clocks.hold = config.host_clock_hold_usec
        self.pipeline = self._build_pipeline(rule_set)
        self.pipeline.silence.restore(rhythms)
        self.pipeline.restore_windows(windows)
        self.pipeline.failures.restore(failures)
        self.pipeline.tracker.track_changes = True
        self.state.replace_windows(self.pipeline.tracker.items())
        self.worker.config = config
        self._release_unheld()  # a held alert whose rules no longer hold it (service_resolve.py)
        if was_dry and not config.dry_run:
            self._page_after_dry_run()
        self.reload_note = ""
        gc.unfreeze()  # the old pipeline, frozen at the start, may be collected now; the new one is frozen instead
        gc.collect()
        gc.freeze()
        said = self.dry_run_said()  # ("still" only when the config before was one: helper-199 read it at its start)
        log.info("reloaded: %d rules%s", len(rule_set.rules), f"; {'still' if was_dry else 'now'} a {said}" if said
                 else "")
        return True
