"""A crash loop across its unit's runs (engine/failure_runs.py): its own cause again is the loop however it fires
and however long the loop goes on; the run after logsentry's own restart failing is news. Real journal files
(systemd-journal-remote), each run its own invocation as systemd gives it."""

from __future__ import annotations

from typing import Any

from conftest import entry, json_events, of_type, run_cli

UNIT = "ledger.service"


def pid1(message: str, at: float, run: str, priority: int = 4) -> dict[str, Any]:
    """PID 1's line about the unit, as systemd 252 writes it (UNIT=, INVOCATION_ID=, from init.scope)."""
    return entry(message if message.startswith(("Started ", "Stopped ", "Stopping ")) else f"{UNIT}: {message}",
                 unit=None, at=at, priority=priority, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", UNIT=UNIT, INVOCATION_ID=run)


def own(message: str, at: float, run: str, pid: int, priority: int = 3) -> dict[str, Any]:
    return entry(message, unit=UNIT, at=at, priority=priority, _PID=str(pid), _SYSTEMD_INVOCATION_ID=run)


def run_dies(n: int, at: float, cause: str) -> list[dict[str, Any]]:
    """Run `n` (its own invocation) writes `cause` and exits; systemd schedules the next."""
    run = f"{n:08x}" * 4
    return [pid1(f"Started {UNIT} - Ledger.", at, run, 6),
            own(cause, at + 0.3, run, 4000 + n),
            pid1("Main process exited, code=exited, status=101/n/a", at + 0.31, run, 5),
            pid1("Failed with result 'exit-code'.", at + 0.32, run),
            pid1(f"Scheduled restart job, restart counter is at {n}.", at + 0.42, run, 6)]


def scan(make_journal: Any, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    assert done.exit_code == 0, done.output
    return json_events(done)


def test_a_cause_rule_firing_at_the_third_run_is_the_loops_own_cause(make_journal: Any) -> None:
    """rust-panic fires at its third hit: the same panic in runs 1 and 2 was the loop's chain (below its trigger),
    so its firing in run 3 is the loop's cause again, not a second page (it was: one at run 1, one at run 3)."""
    panic = "thread 'main' panicked at src/main.rs:42:10:"
    events = scan(make_journal, [line for n in range(1, 6) for line in run_dies(n, n * 3.0, panic)])
    assert [i["rule"] for i in of_type(events, "incident")] == ["systemd-unit-failed"], of_type(events, "incident")
    [end] = of_type(events, "incident_end")
    assert end["count"] == 5, end
    assert {"rust-panic", "systemd-unit-failed"} <= {link["rule"] for link in end["chain"]}, end["chain"]


def test_a_loop_of_one_panic_is_one_page_past_30_minutes(make_journal: Any) -> None:
    """A Go service dying of the same nil pointer every 20 s for 40 min: one failure. It was a page, then a
    resolve and a new page (the same Alertmanager labels) every 30 min (ANOTHER_FAILURE_USEC), each run's panic
    after that being taken for another failure."""
    nil = "panic: runtime error: invalid memory address or nil pointer dereference"
    runs = 120
    events = scan(make_journal, [line for n in range(1, runs + 1) for line in run_dies(n, n * 20.0, nil)])
    incidents = of_type(events, "incident")
    assert [i["rule"] for i in incidents] == ["go-nil-pointer-panic"], incidents
    [end] = of_type(events, "incident_end")
    assert end["count"] == runs, end


def test_the_run_after_logsentrys_restart_failing_is_paged(make_journal: Any) -> None:
    """jvm-out-of-memory decides a restart; the restarted run dies 4 s later (the port still taken). The unit is
    down and the restart did not help: that is a page, not a link in the OOM's chain (it joined as the loop's
    next run and was never paged)."""
    first, second = "a" * 32, "b" * 32
    lines = [pid1(f"Started {UNIT} - Ledger.", 0, first, 6),
             own('Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', 100, first, 700),
             pid1(f"Stopping {UNIT} - Ledger...", 101, first, 6),
             pid1("Deactivated successfully.", 101.5, first, 6),
             pid1(f"Stopped {UNIT} - Ledger.", 101.6, first, 6),
             pid1(f"Started {UNIT} - Ledger.", 101.7, second, 6),
             own("Failed to bind to 0.0.0.0:8080: Address already in use", 106, second, 701),
             pid1("Main process exited, code=exited, status=1/FAILURE", 106.1, second, 5),
             pid1("Failed with result 'exit-code'.", 106.2, second)]
    events = scan(make_journal, lines)
    # (the new run's failure is paged by its cause, listen-address-in-use; systemd's lines join its chain)
    assert [i["rule"] for i in of_type(events, "incident")] == ["jvm-out-of-memory", "listen-address-in-use"], events
    assert [(a["action"], a["rule"]) for a in of_type(events, "action")] == [
        ("restart", "jvm-out-of-memory"), ("alert", "jvm-out-of-memory"), ("alert", "listen-address-in-use")]
    [paged] = [end for end in of_type(events, "incident_end") if end["rule"] == "listen-address-in-use"]
    assert "systemd-unit-failed" in {link["rule"] for link in paged["chain"]}, paged


def test_a_long_loop_keeps_a_member_per_rule_not_one_per_run() -> None:
    """Each run's systemd-unit-failed is its own tracker incident; a failure kept them all (an 8-hour loop of runs
    2 s apart: 16,000 members, each run's incident looking through them, the service saving them all). An ended
    run's incident goes into the earlier run's: the count and chain are the same, the saved state one member."""
    from dataclasses import replace

    from logsentry.engine.failures import FailureGroups
    from logsentry.model import Incident, Severity
    from logsentry.rules.loader import load_rules, shipped_rules_dir

    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    before = None
    for n in range(1, 201):
        at = n * 2_000_000
        now = Incident("systemd-unit-failed", Severity.ERROR, UNIT, "", at, at, at, 1, 1, 600_000_000, "",
                       ("failed",), "alert", invocation=f"{n:032x}", machine_id="m")
        groups.fired(now)
        if before is not None:
            groups.ended(replace(before))
        before = now
    [saved] = groups.snapshot()
    assert len(saved["members"]) == 2, [m["first_usec"] for m in saved["members"]]  # the first run's, the open one
    [view] = groups.open_failures()
    assert view.count == 200 and view.last_usec == 200 * 2_000_000, view


def test_a_loop_given_out_after_two_runs_says_their_hits_as_its_chain_does(make_journal: Any) -> None:
    """Runs a second apart: two had failed when the failure was given out (2 s after it began). The page said "1 hit
    from T to T" while its own chain said systemd-unit-failed "2 hits" (a new operator's crash loop in a real
    systemd): the leader's hits are its rule's in every run, to the latest, as in the failure's end record."""
    events = scan(make_journal, [line for n in range(1, 4) for line in run_dies(n, n * 1.0, "fatal: no config")])
    [page] = of_type(events, "incident")
    link = next(link for link in page["chain"] if link["rule"] == page["rule"])
    assert page["count"] == link["count"] >= 2, page


def test_a_failure_not_yet_given_says_its_leaders_hits_in_every_run() -> None:
    """The view a page is made of, before it is given out: the leader's rule's hits in each run, to its latest."""
    from logsentry.engine.failures import FailureGroups
    from logsentry.model import Incident, Severity
    from logsentry.rules.loader import load_rules, shipped_rules_dir

    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    for n in (1, 2):
        at = n * 1_000_000
        groups.fired(Incident("systemd-unit-failed", Severity.ERROR, UNIT, "", at, at, at, 1, 1, 600_000_000, "",
                              ("failed",), "alert", invocation=f"{n:032x}", machine_id="m"))
    [view] = groups.open_failures()
    assert (view.count, view.first_usec, view.last_usec) == (2, 1_000_000, 2_000_000), view
