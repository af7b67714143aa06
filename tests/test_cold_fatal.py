"""new-fatal-template judges the lines read from text from their unit's first line (`excerpts = true`): a program
log scanned cold, or a paste, that logs a fatal line is one critical incident, where every anomaly rule used to
wait for an hour and 200 entries of history first (helper U4: zap `fatal`, pino 60, Python CRITICAL, klog F and
Hadoop_2k's two FATAL lines gave 0 incidents and `--fail-on error` exited 0). A journal's lines still wait for the
warm-up. Real files read by `scan --file`, and real journal files (systemd-journal-remote)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady

START = 1764583200  # 2025-12-01 10:00:00 UTC, in each program's own clock
INFO = 'started, listening on :8080'

# Each program's own layout of an info line and of its fatal line (the level word where the program writes it).
LOGS = {
    "log4j": ("2025-12-01 10:00:0{s},004 INFO  [main] org.example.App - {msg}",
              "2025-12-01 10:00:0{s},004 FATAL [main] org.example.App - Unable to bind port 8080: Address already "
              "in use"),
    "python": ("2025-12-01 10:00:0{s},004 INFO worker: {msg}",
               "2025-12-01 10:00:0{s},004 CRITICAL worker: database unreachable after 5 attempts, giving up"),
    "zap": ('{{"level":"info","ts":' + str(START) + '.{s}04,"caller":"main.go:40","msg":"{msg}"}}',
            '{{"level":"fatal","ts":' + str(START) + '.{s}04,"caller":"main.go:42","msg":"cannot open config",'
            '"error":"open /etc/app.yaml: permission denied"}}'),
    "pino": ('{{"level":30,"time":' + str(START) + '{s}04,"pid":7,"hostname":"web1","msg":"{msg}"}}',
             '{{"level":60,"time":' + str(START) + '{s}04,"pid":7,"hostname":"web1","msg":"uncaught exception, '
             'exiting"}}'),
}


def scan(*args: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    result = run_cli("scan", *args, "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    return result.exit_code, json_events(result)


def write(tmp_path: Path, layout: str, fatal: bool) -> Path:
    info, bad = LOGS[layout]
    lines = [info.format(s=s, msg=f"{INFO} (try {s})") for s in range(3)]
    lines.append((bad if fatal else info).format(s=3, msg=INFO))
    path = tmp_path / f"{layout}.log"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("layout", sorted(LOGS))
def test_a_cold_program_logs_fatal_line_is_a_critical_incident(tmp_path: Path, layout: str) -> None:
    code, events = scan("--file", str(write(tmp_path, layout, fatal=True)), "--fail-on", "error")
    (incident,) = of_type(events, "incident")
    assert (incident["rule"], incident["severity"], incident["count"]) == ("new-fatal-template", "critical", 1)
    assert "before its normal was learnt" in incident["why"], incident["why"]
    assert code == 3  # --fail-on error: an incident at error or worse
    code, events = scan("--file", str(write(tmp_path, layout, fatal=False)), "--fail-on", "error")
    assert (code, of_type(events, "incident")) == (0, [])


def test_a_fatal_first_line_fires_and_an_error_line_does_not(tmp_path: Path) -> None:
    path = tmp_path / "one.log"
    path.write_text(LOGS["log4j"][1].format(s=0) + "\n")
    (incident,) = of_type(scan("--file", str(path))[1], "incident")
    assert incident["rule"] == "new-fatal-template"
    path.write_text(LOGS["log4j"][1].format(s=0).replace("FATAL", "ERROR") + "\n")  # err: the other rules' to judge
    assert of_type(scan("--file", str(path))[1], "incident") == []


def test_a_program_logs_fatal_template_is_one_incident_for_the_hour_it_is_new(tmp_path: Path) -> None:
    """Its lines every 5 minutes for 3 h in a program's log: one incident, whose hits stop when the template stops
    being new (an hour after its first line). Before, each hit kept the unit "anomalous", so the template stayed
    new "while the anomaly it came in goes on" for a day (gunicorn's WORKER TIMEOUT paged again 9 h on)."""
    lines = []
    for second in range(0, 3 * 3600, 20):
        stamp = f"2025-12-01 {10 + second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d},004"
        lines.append(f"{stamp} INFO worker: job {second} done in {second % 70} ms")
        if second % 300 == 40:
            lines.append(f"{stamp} CRITICAL worker: WORKER TIMEOUT (pid:{100 + second})")
    path = tmp_path / "worker.log"
    path.write_text("\n".join(lines) + "\n")
    events = scan("--file", str(path))[1]
    (incident,) = of_type(events, "incident")
    assert incident["rule"] == "new-fatal-template"
    hits = [e for e in of_type(events, "match") if e["rule"] == "new-fatal-template"]
    assert 0 < len(hits) <= 13, len(hits)  # the lines of its first hour (novel_for), not of 3 h
    assert max(h["realtime_usec"] for h in hits) <= incident["first_usec"] + int(HOUR * 1e6)


def test_a_journal_waits_for_the_warm_up_and_a_known_fatal_template_stays_quiet(make_journal) -> None:  # type: ignore[no-untyped-def]
    """A journal has its history: scanned from its start, a unit's first fatal line of its first hour is not judged
    (the benchmark journal paged gunicorn's WORKER TIMEOUT and HAProxy's `Server ... is DOWN` in their first
    seconds), and a warm unit whose history holds its fatal template (a nightly job's panic) is not paged again."""
    unit = "nightly.service"
    normal = steady(unit, 0, 30 * HOUR, 60, "batch {n} ok in {ms}ms")
    known = [entry(f"panic: runtime error: index out of range [{n}] with length {n}", unit=unit, at=n * 6 * HOUR + 7,
                   priority=2) for n in range(5)]
    assert of_type(scan("--file", str(make_journal(by_time(normal, known))))[1], "incident") == []
    new = entry("fatal error: concurrent map writes", unit=unit, at=29 * HOUR, priority=2)
    (incident,) = of_type(scan("--file", str(make_journal(by_time(normal, known, [new]))))[1], "incident")
    assert (incident["rule"], incident["first_usec"]) == ("new-fatal-template", new["__REALTIME_TIMESTAMP"])
