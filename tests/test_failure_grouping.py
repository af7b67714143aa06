"""One incident per failure (engine/failures.py): the rules that describe one failure of one unit give one
incident, led by the most specific, with the chain as evidence; every match is still in the JSON. Real journal
files (systemd-journal-remote), with the fields journald and PID 1 write; only trusted fields join."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conftest import BASE_USEC, entry, json_events, of_type, run_cli, simple_rule

from logsentry.actions.alert import body, incident_payload
from logsentry.cli.tail import follow
from logsentry.engine.detector import Detector
from logsentry.engine.failures import FailureGroups
from logsentry.model import Entry, Incident, Severity
from logsentry.pipeline import IncidentEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.views.tail_lines import _plain_text

APP_RUN = "11111111111111111111111111111111"
APP_RUN_2 = "22222222222222222222222222222222"
KILL = ("Memory cgroup out of memory: Killed process {pid} (app) total-vm:1234567kB, anon-rss:523456kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:2000kB oom_score_adj:0")


def kernel(message: str, at: float) -> dict[str, Any]:
    return entry(message, unit=None, at=at, priority=3, _TRANSPORT="kernel", SYSLOG_IDENTIFIER="kernel")


def pid1(message: str, at: float, unit: str = "app.service", invocation: str = APP_RUN,
         priority: int = 4) -> dict[str, Any]:
    """PID 1's line about a unit, as systemd 252 writes it (UNIT=, INVOCATION_ID=, from init.scope)."""
    return entry(f"{unit}: {message}", unit=None, at=at, priority=priority, _PID="1", _UID="0",
                 _SYSTEMD_UNIT="init.scope", SYSLOG_IDENTIFIER="systemd", UNIT=unit, INVOCATION_ID=invocation)


def oom_chain(at: float, invocation: str = APP_RUN, unit_line: bool = True, pid: int = 4242) -> list[dict[str, Any]]:
    """What one OOM kill of app.service's main process writes: the kernel's kill, then PID 1's lines."""
    lines = [kernel(KILL.format(pid=pid), at)]
    if unit_line:  # systemd >= 243 reads the unit's memory.events
        lines.append(pid1("A process of this unit has been killed by the OOM killer.", at + 0.01,
                          invocation=invocation))
    return [*lines,
            pid1("Main process exited, code=killed, status=9/KILL", at + 0.02, invocation=invocation, priority=5),
            pid1("Failed with result 'oom-kill'.", at + 0.03, invocation=invocation),
            pid1("Scheduled restart job, restart counter is at 1.", at + 0.5, invocation=invocation, priority=6)]


def scan(make_journal: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = run_cli("scan", "--file", str(make_journal(entries)), "-o", "json")
    assert result.exit_code == 0, result.output
    return json_events(result)


def test_one_oom_kill_is_one_incident_led_by_the_kernel_kill_with_the_chain(make_journal):
    events = scan(make_journal, [entry("worker started", at=0, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN),
                                 *oom_chain(10)])
    [incident] = of_type(events, "incident")
    assert (incident["rule"], incident["unit"], incident["severity"]) == ("kernel-oom-kill", "app.service", "error")
    [alert] = of_type(events, "action")
    assert (alert["action"], alert["unit"]) == ("alert", "app.service")
    [ended] = of_type(events, "incident_end")
    assert [link["rule"] for link in ended["chain"]] == [
        "kernel-oom-kill", "systemd-unit-oom-killed", "systemd-main-process-killed", "systemd-unit-failed",
        "systemd-restart-loop"]
    assert ended["chain"][3]["message"] == "app.service: Failed with result 'oom-kill'."
    # The JSON keeps every match; the summary counts failures.
    assert {m["rule"] for m in of_type(events, "match")} >= {link["rule"] for link in ended["chain"]}
    assert of_type(events, "summary")[0]["incidents"] == 1


def test_a_kernel_kill_joins_the_unit_that_owned_its_pid(make_journal):
    """Before systemd 243 no unit line names the OOM kill: the PID the kernel wrote is looked up among the
    PIDs journald stamped on the unit's own entries."""
    own = entry("ERROR: allocation failed, retrying", at=9, priority=3, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN)
    events = scan(make_journal, [own, *oom_chain(10, unit_line=False)])
    [incident] = of_type(events, "incident")
    assert (incident["rule"], incident["unit"]) == ("kernel-oom-kill", "app.service")
    # Another PID (not app.service's): the kill is the kernel's incident, the unit's failure is its own.
    events = scan(make_journal, [own, *oom_chain(10, unit_line=False, pid=999)])
    assert sorted((i["rule"], i["unit"]) for i in of_type(events, "incident")) == [
        ("kernel-oom-kill", "kernel"), ("systemd-unit-failed", "app.service")]


def test_a_kernel_kill_joins_the_unit_that_owns_its_pid_now(make_journal):
    """PIDs are reused: the kill names the unit that logged with the PID last, not an earlier owner, also when the
    new owner's lines match no rule and are screened out (the scanner hands their PIDs over: ScreenedRun.pids).
    Before, the scan joined the kill to the old unit (a page, and a restart, for a unit whose process had died
    long before) and the unit killed was a failure of its own."""
    old = entry("ERROR: allocation failed, retrying", unit="old.service", at=1, priority=3, _PID="4242",
                _SYSTEMD_INVOCATION_ID=APP_RUN_2)
    new = [entry(f"worker tick {i}", at=2 + i, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN) for i in range(5)]
    events = scan(make_journal, [old, *new, *oom_chain(10, unit_line=False)])
    assert not [m for m in of_type(events, "match") if m["message"].startswith("worker tick")]
    assert sorted((i["rule"], i["unit"]) for i in of_type(events, "incident")) == [
        ("kernel-oom-kill", "app.service")], of_type(events, "incident")
    # the kernel's line alone: the PID's owner now is the kill's unit
    events = scan(make_journal, [old, *new, kernel(KILL.format(pid=4242), 10)])
    assert [(i["rule"], i["unit"]) for i in of_type(events, "incident")] == [("kernel-oom-kill", "app.service")]


def test_an_oom_kill_again_in_the_next_run_is_the_same_failure(make_journal):
    """Two OOM kills in two invocations of the unit, a minute apart (the kernel's incident, 5 min, still open): the
    unit dying of the same cause again in its next run is one failure (engine/failures.py, a crash loop), paged
    once, each rule in its chain once with both kills' hits; not a page per run."""
    events = scan(make_journal, [*oom_chain(10), *oom_chain(70, invocation=APP_RUN_2)])
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("kernel-oom-kill", "app.service")], incidents
    [ended] = of_type(events, "incident_end")
    assert [(link["rule"], link["count"]) for link in ended["chain"]] == [
        ("kernel-oom-kill", 2), ("systemd-unit-oom-killed", 2), ("systemd-main-process-killed", 2),
        ("systemd-unit-failed", 2), ("systemd-restart-loop", 2)], ended["chain"]
    assert ended["count"] == 2 and ended["last_usec"] >= BASE_USEC + 70_000_000, ended


def test_error_burst_joins_the_deadlock_and_one_restart_is_decided(make_journal):
    lines = [entry("worker started", at=0, _PID="77", _SYSTEMD_INVOCATION_ID=APP_RUN),
             entry("app: thread blocked indefinitely in an MVar operation", at=1, priority=3, _PID="77",
                   _SYSTEMD_INVOCATION_ID=APP_RUN)]
    lines += [entry(f"ERROR request {i} failed: thread blocked", at=2 + i * 0.5, priority=3, _PID="77",
                    _SYSTEMD_INVOCATION_ID=APP_RUN) for i in range(60)]
    events = scan(make_journal, lines)
    assert any(m["rule"] == "error-burst" for m in of_type(events, "match"))
    [incident] = of_type(events, "incident")
    assert incident["rule"] == "ghc-mvar-deadlock"
    assert [a["action"] for a in of_type(events, "action")] == ["restart", "alert"]
    [ended] = of_type(events, "incident_end")
    assert [link["rule"] for link in ended["chain"]] == ["ghc-mvar-deadlock", "error-burst"]


def test_forged_fields_neither_join_nor_split_another_units_failure(make_journal):
    """A process of evil.service writes lines naming app.service (UNIT=, INVOCATION_ID=, OBJECT_SYSTEMD_UNIT=,
    the kernel's wording): its error burst stays its own incident, and app.service's failure stays one."""
    forged = dict(UNIT="app.service", INVOCATION_ID=APP_RUN, OBJECT_SYSTEMD_UNIT="app.service",
                  OBJECT_SYSTEMD_INVOCATION_ID=APP_RUN, COREDUMP_UNIT="app.service", _PID="666",
                  _SYSTEMD_INVOCATION_ID="66666666666666666666666666666666")
    evil = [entry(f"app.service: Failed with result 'oom-kill'. {KILL.format(pid=4242)}", unit="evil.service",
                  at=10 + i * 0.1, priority=3, **forged) for i in range(60)]
    events = scan(make_journal, [entry("worker started", at=0, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN),
                                 *oom_chain(10), *evil])
    assert sorted((i["rule"], i["unit"]) for i in of_type(events, "incident")) == [
        ("error-burst", "evil.service"), ("kernel-oom-kill", "app.service")]
    app = next(e for e in of_type(events, "incident_end") if e["unit"] == "app.service")
    assert "error-burst" not in [link["rule"] for link in app["chain"]]


def incident(rule: str, severity: Severity, at: int, action: str = "alert", unit: str = "app.service") -> Incident:
    """A tracker incident of one hit at `at` µs (journal time), in APP_RUN."""
    return Incident(rule, severity, unit, "", at, at, at, 1, 1, 60_000_000, "", (f"{rule} line",), action,
                    invocation=APP_RUN, machine_id="m")


def test_most_specific_leads_a_cause_before_an_outcome_before_a_generic_rule():
    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    assert groups.fired(incident("error-burst", Severity.WARNING, 1_000)) == []
    assert groups.fired(incident("systemd-unit-failed", Severity.ERROR, 2_000)) == []
    assert groups.fired(incident("systemd-watchdog-timeout", Severity.ERROR, 3_000)) == []
    assert not groups.due(1_000 + 2_000_000)
    [given] = groups.settle(1_000 + 2_000_001)  # the settling time passed: given out once
    assert given.rule_id == "systemd-watchdog-timeout"
    assert [link.rule_id for link in given.chain] == ["error-burst", "systemd-unit-failed", "systemd-watchdog-timeout"]
    assert groups.settle(10**12) == []


def test_a_restart_is_decided_at_once_and_a_settling_failure_survives_a_restart_of_logsentry():
    rules = load_rules([shipped_rules_dir()]).rules
    groups = FailureGroups(rules)
    [given] = groups.fired(incident("ghc-mvar-deadlock", Severity.CRITICAL, 1_000, "restart", "mvar.service"))
    assert given.rule_id == "ghc-mvar-deadlock"  # not delayed by the settling time
    assert groups.fired(incident("systemd-unit-failed", Severity.ERROR, 2_000, unit="other.service")) == []
    groups.fired(incident("systemd-main-process-killed", Severity.WARNING, 3_000, unit="mvar.service"))
    groups.fired(incident("systemd-main-process-killed", Severity.WARNING, 4_000, unit="app.service"))
    assert groups.changed
    saved = groups.snapshot()
    assert not groups.changed
    # Saved: the one still settling, and the joined one; the given-out app.service failure of one incident is
    # its tracker window (app.service's main-process-killed settles too: saved).
    assert sorted(item["unit"] for item in saved) == ["app.service", "mvar.service", "other.service"]
    again = FailureGroups(rules)
    again.restore(saved)
    assert [i.rule_id for i in again.open_failures()] == ["ghc-mvar-deadlock"]  # with its chain
    assert [link.rule_id for link in again.open_failures()[0].chain] == ["ghc-mvar-deadlock",
                                                                         "systemd-main-process-killed"]
    settled = again.settle(4_000 + 2_000_001)
    assert sorted((i.rule_id, i.unit) for i in settled) == [("systemd-main-process-killed", "app.service"),
                                                           ("systemd-unit-failed", "other.service")]


def test_report_html_and_alert_show_the_chain(make_journal, tmp_path):
    journal = str(make_journal([entry("worker started", at=0, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN),
                                *oom_chain(10)]))
    text = " ".join(run_cli("scan", "--file", journal).stdout.split())
    assert "1 incident" in text and "one failure, 5 rules matched it:" in text
    assert "systemd-unit-failed" in text and "Matches below their trigger threshold" in text  # the kernel's
    assert text.count("systemd-main-process-killed") == 1  # in the chain only, not as below threshold
    page = tmp_path / "report.html"
    assert run_cli("scan", "--file", journal, "--html", str(page)).exit_code == 0
    assert "one failure, 5 rules matched it" in page.read_text()
    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    groups.fired(incident("systemd-watchdog-timeout", Severity.ERROR, 1_000))
    groups.fired(incident("systemd-unit-failed", Severity.ERROR, 2_000))
    [given] = groups.settle(5_000_000)
    message = body(incident_payload("firing", given, "observer", "error incident", source=()))
    assert "one failure, 2 rules matched it:" in message
    assert "systemd-unit-failed (error): systemd-unit-failed line" in message


def test_a_settling_failure_pushed_out_by_a_flood_is_given_out_not_dropped(monkeypatch):
    monkeypatch.setattr("logsentry.engine.failures.MAX_FAILURES", 10)
    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    for n in range(10):
        assert groups.fired(incident("systemd-unit-failed", Severity.ERROR, n, unit=f"u{n}.service")) == []
    given = groups.fired(incident("systemd-unit-failed", Severity.ERROR, 10, unit="u10.service"))
    assert [i.unit for i in given] == ["u0.service"]  # the oldest, given out as it is forgotten
    assert [i.unit for i in groups.settle(10**12)] == [f"u{n}.service" for n in range(1, 11)]


def test_tail_gives_a_settling_failure_at_wall_clock_time_and_prints_its_chain(write_rule, rules_dir):
    """Live (tail, the service): the failure waits its settling time on the clock, not for a next entry."""
    write_rule("cause", simple_rule(regex="^worker died", within="60s"))
    write_rule("outcome", simple_rule(regex="^request failed", within="60s"))
    rule_set = load_rules([rules_dir])
    pipeline, seen = Pipeline(Detector(rule_set.rules)), []
    now = 1_767_225_600_000_000

    class View:
        def start(self) -> None: ...
        def stop(self) -> None: ...
        def summary(self, progress: Any) -> None: ...
        def gap(self, gap: Any) -> None: ...
        def flush(self, now_usec: int, caught_up: bool) -> None: ...
        def entry(self, entry: Entry, events: Any) -> None:
            seen.extend(events)
        def events(self, events: Any) -> None:
            seen.extend(events)

    def line(message: str, usec: int) -> Entry:
        return Entry(realtime_usec=usec, message=message, unit="api.service", priority=3, cursor=f"c{usec}")

    clock = iter([now + 1_000_000, now + 3_000_000])
    items = [line("worker died", now), line("request failed", now + 100_000), None, None]
    follow(items, pipeline, View(), wait=lambda: None, clock=lambda: next(clock))
    [given] = [event.incident for event in seen if isinstance(event, IncidentEvent)]
    assert given.rule_id == "cause" and [link.rule_id for link in given.chain] == ["cause", "outcome"]
    assert given.fired_usec == now  # its own time; given out at the first caught-up after it settled
    printed = [_plain_text(event, {rule.id: rule for rule in rule_set.rules}, None) for event in seen]
    assert any("INCIDENT" in text and "one failure: cause → outcome" in text for text in printed), printed


def test_an_open_failure_shows_its_count_now_not_when_it_fired(make_journal) -> None:  # type: ignore[no-untyped-def]
    """tail's STILL OPEN lines (and anything else that asks a live pipeline for its open incidents) give the
    failure's count now: a burst that fired at 50 hits and went on to 90 is 90, as the tracker and scan say."""
    from logsentry.sources import Selection, open_entries

    journal = make_journal([entry(f"ERROR write failed: No space left on device (attempt {i})", at=i * 0.025,
                                  priority=3) for i in range(90)])
    pipeline = Pipeline(Detector(load_rules([shipped_rules_dir()]).rules))
    for item in open_entries(Selection(), files=[journal]):
        list(pipeline.feed(item))
    [burst] = [i for i in pipeline.tracker.open_incidents() if i.rule_id == "error-burst"]
    assert burst.count == 90
    shown = {i.rule_id: i.count for i in pipeline.open_incidents()}
    assert shown.get("error-burst") == 90, shown


def test_a_named_cause_hours_into_a_failure_the_service_keeps_fresh_is_a_failure_of_its_own() -> None:
    """The service's STATUS refreshes each failure with its members' live versions several times a second, so a
    hang's failure always had a last hit seconds old: a disk filling up two hours into it joined it and was never
    paged (scan, which does not refresh, paged it). A cause named 30 minutes or more after a failure began is a
    failure of its own; one named within seconds of it still joins it."""
    groups = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    hour, t0 = 3_600_000_000, 1_767_225_600_000_000

    def fired(rule: str, at: int, action: str = "alert") -> Incident:
        return Incident(rule_id=rule, severity=Severity.ERROR, unit="app.service", key="", first_usec=at,
                        fired_usec=at, last_usec=at, count=1, threshold=1, within_usec=600_000_000,
                        cursor="", samples=("x",), action=action, machine_id="m1")

    hang = fired("ghc-mvar-deadlock", t0, "restart")
    assert [i.rule_id for i in groups.fired(hang)] == ["ghc-mvar-deadlock"]  # a restart is given out at once
    groups.refresh([replace(hang, last_usec=t0 + 2 * hour, count=900)])  # STATUS: the hang goes on
    assert groups.fired(fired("disk-full", t0 + 2 * hour)) == []  # settling, then given out alone
    assert [i.rule_id for i in groups.settle(t0 + 2 * hour + 3_000_000)] == ["disk-full"]
    early = FailureGroups(load_rules([shipped_rules_dir()]).rules)
    early.fired(hang)
    early.refresh([replace(hang, last_usec=t0 + 10_000_000)])
    early.fired(fired("disk-full", t0 + 10_000_000))
    assert early.settle(t0 + 20_000_000) == []  # the hang's, seconds after it began: one failure


SEGFAULT = ("worker[{pid}]: segfault at 0 ip 00007f00deadbeef sp 00007ffc00000000 error 4 in "
            "libc.so.6[7f0000000000+195000]")


def test_kernel_lines_of_two_processes_no_unit_owns_are_two_failures(make_journal, tmp_path):
    """A segfault of one PID and, a second later, an OOM kill of another, neither PID stamped on a unit's
    entries: both stay the kernel's, and two processes' ends are two failures, not one card (helper-174: a syslog
    file's segfault of worker[4300] chained the unrelated kill of java 4400 as "one failure, 2 rules")."""
    lines = [kernel(SEGFAULT.format(pid=4300), 10), kernel(KILL.format(pid=4400), 11)]
    incidents = of_type(scan(make_journal, lines), "incident")
    assert sorted(i["rule"] for i in incidents) == ["kernel-oom-kill", "kernel-segfault"], incidents
    assert all(i["unit"] == "kernel" for i in incidents), incidents
    # The same in a syslog file: no trusted field there, but the numbers still tell two processes apart.
    text = tmp_path / "syslog"
    text.write_text(f"Dec  5 10:00:06 app01 kernel: [12345.678901] {SEGFAULT.format(pid=4300)}\n"
                    f"Dec  5 10:00:07 app01 kernel: [12346.000000] {KILL.format(pid=4400)}\n")
    result = run_cli("scan", "--file", str(text), "-o", "json")
    assert sorted(i["rule"] for i in of_type(json_events(result), "incident")) == [
        "kernel-oom-kill", "kernel-segfault"], result.output


def test_a_segfault_of_a_main_process_that_never_logged_joins_its_units_failure(make_journal, tmp_path):
    """The kernel's segfault line names a PID no entry of the unit was stamped with (the daemon crashed before it
    logged), and PID 1 says the unit's main process died of SIGSEGV within the second: one failure, the kernel's
    line in its chain, when the process's name and the unit's are alike; not another unit's (trial 62's netdata:
    two cards for one crash)."""
    crash = [kernel(SEGFAULT.format(pid=4300), 10),
             pid1("Main process exited, code=dumped, status=11/SEGV", 10.2, unit="worker.service", priority=5),
             pid1("Failed with result 'core-dump'.", 10.3, unit="worker.service")]
    events = scan(make_journal, crash)
    [incident] = of_type(events, "incident")
    assert incident["unit"] == "worker.service", incident
    [end] = of_type(events, "incident_end")
    assert "kernel-segfault" in {link["rule"] for link in end["chain"]}, end
    other = [line if line is crash[0] else {**line, "MESSAGE": line["MESSAGE"].replace("worker.service", "api.service"),
                                            "UNIT": "api.service"} for line in crash]
    assert sorted(i["unit"] for i in of_type(scan(make_journal, other), "incident")) == ["api.service", "kernel"]
    text = tmp_path / "syslog"  # the same pasted, systemd's old wording
    text.write_text(f"Feb 21 03:26:15 h kernel: [24080382.774988] {SEGFAULT.format(pid=4149)}\n"
                    "Feb 21 03:26:15 h systemd[1]: worker.service: main process exited, code=killed, status=11/SEGV\n"
                    "Feb 21 03:26:15 h systemd[1]: worker.service failed.\n")
    result = run_cli("scan", "--file", str(text), "-o", "json")
    assert [i["unit"] for i in of_type(json_events(result), "incident")] == ["(worker.service)"], result.output


HEADER = "app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0"


def test_an_oom_reports_header_joins_its_kill_in_the_units_failure(make_journal, tmp_path):
    """The report's first line names the task that asked for memory, not the victim: it has no PID to join a unit
    by, and was a second card (the kernel's) beside the kill's (its unit's). Alone (a paste cut in the call trace,
    or nothing killable) it is the kernel's card."""
    report = [kernel(HEADER, 9.98), kernel("CPU: 1 PID: 4242 Comm: app Not tainted 6.1.0-13-amd64 #1", 9.98),
              kernel("Call Trace:", 9.98)]
    events = scan(make_journal, [entry("worker started", at=0, _PID="4242", _SYSTEMD_INVOCATION_ID=APP_RUN),
                                 *report, *oom_chain(10)])
    [incident] = of_type(events, "incident")
    assert (incident["rule"], incident["unit"]) == ("kernel-oom-kill", "app.service")
    [ended] = of_type(events, "incident_end")
    assert "kernel-oom-invoked" in [link["rule"] for link in ended["chain"]]
    [incident] = of_type(scan(make_journal, report), "incident")
    assert (incident["rule"], incident["unit"], incident["severity"]) == ("kernel-oom-invoked", "kernel", "warning")
    text = tmp_path / "syslog"  # a memory cgroup's OOM that finds nothing to kill (systemd#40208), pasted
    text.write_text("".join(f"Dec  5 10:00:06 h kernel: {line}\n" for line in (
        "Out of memory and no killable processes...", HEADER.replace("app", "systemd"), "Call Trace:",
        " mem_cgroup_out_of_memory+0xc2/0xd0")))
    result = run_cli("scan", "--file", str(text), "-o", "json")
    [incident] = of_type(json_events(result), "incident")
    assert (incident["rule"], incident["severity"]) == ("kernel-oom-no-victim", "error"), result.output
