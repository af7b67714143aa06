"""The restart ledger's outcomes and the incidents that wait for one (pure logic; the real service against a real
systemd: tests/test_restart_never_ran.py). A new invocation's restart incident, while an earlier restart of the
unit has no outcome, waits: were that restart never run (logsentry killed before its command started) and the
invocation an operator's, "came back after restart" and the cooldown would leave a hung unit alone."""

from __future__ import annotations

from dataclasses import replace

from logsentry.engine.policy import GuardedPolicy, Limits, RestartLedger, RestartRecord, refused_restart
from logsentry.engine.second_look import AWAITING, HELD, MAX_AWAITED_USEC, MAX_QUEUED_USEC, STALE, StaleReports
from logsentry.model import Action, Incident, Severity

S = 1_000_000
NOW = 1_800_000_000 * S
LOCAL = "c3" * 16
UNIT = "mvar.service"


def incident(invocation: str, fired: int = NOW) -> Incident:
    return Incident("ghc-mvar-deadlock", Severity.CRITICAL, UNIT, "", fired, fired, fired, 1, 1, 60 * S, "",
                    ("thread blocked indefinitely in an MVar operation",), "restart", invocation=invocation,
                    machine_id=LOCAL)


def policy(ledger: RestartLedger, awaits: bool = True) -> GuardedPolicy:
    guarded = GuardedPolicy(lambda unit, rule: frozenset({"restart", "alert"}), Limits(3, 3600 * S, 300 * S, "alert"),
                            ledger, lambda: NOW, False, "logsentry.service", LOCAL)
    guarded.awaits_outcomes = awaits
    return guarded


def decided(guarded: GuardedPolicy, what: Incident, waited: bool = False) -> list[tuple[str, str]]:
    return [(action.kind, action.reason.split(":")[0]) for action in guarded.decide(what, NOW, waited)]


def pending_ledger() -> RestartLedger:
    """A restart decided 10 s ago on invocation A, no outcome yet."""
    return RestartLedger([RestartRecord(UNIT, "ghc-mvar-deadlock", NOW - 10 * S, "A")])


def test_a_new_invocation_waits_for_the_outcome_of_a_restart_in_flight() -> None:
    ledger = pending_ledger()
    assert decided(policy(ledger), incident("B")) == [("report", AWAITING.rstrip(": "))]
    assert decided(policy(ledger, awaits=False), incident("B")) == [("alert", "came back after restart")]  # tail --act
    assert decided(policy(ledger), incident("B"), waited=True) == [("alert", "came back after restart")]
    assert decided(policy(ledger), incident("A")) == [("alert", "restart cooldown")]  # its own invocation: no wait
    dry = policy(ledger)
    dry.base = replace(dry.base, dry_run=True)  # a dry run's restarts never run: no outcome to wait for
    assert not dry.awaits(incident("B"))


def test_the_outcome_decides_whose_the_new_invocation_is() -> None:
    ours = pending_ledger()
    assert ours.carried_out(UNIT, NOW - 10 * S, "B")
    assert decided(policy(ours), incident("B")) == [("alert", "came back after restart")]
    never_ran = pending_ledger()
    assert never_ran.withdraw(UNIT, NOW - 10 * S) and never_ran.records == []
    assert [kind for kind, _ in decided(policy(never_ran), incident("B"))] == ["restart", "alert"]
    failed = pending_ledger()
    assert failed.failed(UNIT, NOW - 10 * S)
    assert decided(policy(failed), incident("B")) == [("alert", "came back after restart")]  # as before outcomes


def test_outcomes_survive_the_ledger_snapshot_and_old_snapshots_read_as_before() -> None:
    ledger = pending_ledger()
    ledger.add(RestartRecord("web.service", "r", NOW - 5 * S, "W"), NOW - 3600 * S)
    ledger.carried_out("web.service", NOW - 5 * S, "W2", NOW - 4 * S)
    again = RestartLedger.restore(ledger.snapshot())
    assert again.records == ledger.records and again.records[-1].done_usec == NOW - 4 * S  # when it was done
    assert again.awaited(UNIT, "B", NOW - 3600 * S) is not None and again.awaited("web.service", "X", 0) is None
    old = [{"unit": UNIT, "rule_id": "r", "at_usec": 1, "invocation": "A", "after": "B"},
           {"unit": UNIT, "rule_id": "r", "at_usec": 2, "invocation": "B", "after": ""}]
    assert [r.outcome for r in RestartLedger.restore(old).records] == ["done", "done"]  # judged as they were then
    assert [r.done_usec for r in RestartLedger.restore(old).records] == [0, 0]  # (alerts then say the decision's)


def test_a_waiting_incident_is_released_by_the_outcome_or_after_the_longest_wait_and_is_saved() -> None:
    reports = StaleReports()
    waiting = Action("report", UNIT, incident("B"), False, f"{AWAITING}no outcome yet")
    reports.note(waiting, 5 * S)
    reports.note(waiting, 6 * S)  # noted again: it waits from when it first did
    pending, queued = True, False
    open_of = lambda *ident: incident("B")  # noqa: E731
    assert reports.outcome_known(lambda what: pending, lambda what: queued, open_of, 5 * S + MAX_AWAITED_USEC - 1) == []
    saved = reports.saved()
    restored = StaleReports()
    restored.restore(saved, open_of)
    restored.restore([{"ident": ["gone", LOCAL, UNIT, ""], "wall_usec": 1}], lambda *ident: None)
    assert list(restored.awaiting) == list(reports.awaiting)
    stale = incident("C")
    reports.note(Action("report", UNIT, stale, False, f"{STALE}its newest hit is 70s old"), 7 * S)
    reports.note(Action("report", UNIT, stale, False, f"{HELD}its host's clock is being learnt"), 8 * S)
    every = StaleReports()
    every.restore(reports.saved(), open_of)
    ident = ("ghc-mvar-deadlock", LOCAL, UNIT, "")
    assert [{key: wall for key, (_, wall) in table.items()} for table in (every.reported, every.held, every.awaiting)] \
        == [{ident: 7 * S}, {(ident, NOW): 8 * S}, {(ident, NOW): 5 * S}]  # (held and awaiting: by first hit too)
    assert reports.outcome_known(lambda what: pending, lambda what: queued, open_of, 5 * S + MAX_AWAITED_USEC) == [
        (incident("B"), 5 * S, True)]
    pending = False
    assert restored.outcome_known(lambda what: pending, lambda what: queued, lambda *ident: None, 5 * S) == [
        (incident("B"), 5 * S, False)]
    assert restored.outcome_known(lambda what: pending, lambda what: queued, open_of, 10 * S) == []  # each once


def test_a_restart_still_queued_is_waited_for_past_the_2_minutes_and_each_incident_of_a_window_waits() -> None:
    """helper-119: a restart queued behind 8 others (the outbox's lanes) had not run when the 2 min passed, and the
    incident was decided "came back" before it did; and a window's second incident waiting replaced none: the
    first was kept and the second (the open one) never decided."""
    reports = StaleReports()
    second, third = incident("B", NOW), incident("C", NOW + 5 * S)
    reports.note(Action("report", UNIT, second, False, f"{AWAITING}no outcome yet"), 5 * S)
    reports.note(Action("report", UNIT, third, False, f"{AWAITING}no outcome yet"), 10 * S)
    assert len(reports.awaiting) == 2
    open_of = lambda *ident: third  # noqa: E731  (the third's hit ended the second's incident)
    waiting, queued = lambda what: True, lambda what: True
    assert reports.outcome_known(waiting, queued, open_of, 5 * S + MAX_QUEUED_USEC - 1) == [] \
        and len(reports.awaiting) == 2
    assert reports.outcome_known(lambda what: False, queued, open_of, 11 * S) == [(second, 5 * S, False),
                                                                                 (third, 10 * S, True)]
    again = StaleReports()
    again.note(Action("report", UNIT, second, False, f"{AWAITING}no outcome yet"), 5 * S)
    assert again.outcome_known(waiting, lambda what: False, open_of, 5 * S + MAX_AWAITED_USEC) == [
        (second, 5 * S, False)]  # no longer queued: 2 min after it began to wait


def test_no_cooldown_leaves_the_budget_alone_to_limit_restarts() -> None:
    """restart.cooldown "0": a restart again a second later, until the budget is spent."""
    ledger = RestartLedger([RestartRecord(UNIT, "ghc-mvar-deadlock", NOW - S * n, "A", "A", "done") for n in (3, 2)])
    guarded = GuardedPolicy(lambda unit, rule: frozenset({"restart", "alert"}), Limits(3, 3600 * S, 0, "restart"),
                            ledger, lambda: NOW, False, "logsentry.service", LOCAL)
    assert [kind for kind, _ in decided(guarded, incident("A"))] == ["restart", "alert"]
    assert decided(guarded, incident("A", NOW + S)) == [("alert", "restart loop")]


def test_a_refused_restart_says_its_limits_as_configured() -> None:
    """The budget's period and the cooldown as the config says them ("1h", not "3600s": a new operator read the
    page against `period = "1h"`); `refused_restart` knows such a reason (the service logs it: test_restart_systemd)."""
    ledger = RestartLedger([RestartRecord(UNIT, "ghc-mvar-deadlock", NOW - S * n, "A", "A", "done")
                            for n in (30, 20, 10)])
    [loop] = policy(ledger).decide(incident("A"), NOW)
    assert loop.reason == "restart loop: 3 restarts within 1h (budget 3); not restarting", loop.reason
    [cooling] = policy(RestartLedger(ledger.records[-1:])).decide(incident("A"), NOW)
    assert cooling.reason == "restart cooldown: last restart 10s ago (cooldown 5m); not restarting", cooling.reason
    assert refused_restart(loop.reason) and refused_restart(cooling.reason)
    assert not refused_restart("critical incident")
