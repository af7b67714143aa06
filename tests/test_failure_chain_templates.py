"""A failure's chain lists each distinct new error line that came while it went on. A unit's disk fills up (a new
error template: new-error-template's incident), then, minutes into it, its pool runs dry and three workers give
up, four more templates it never logged. Each is this failure seen again (within ANOTHER_FAILURE_USEC of its
start: a consequence, no page of its own), so its line is evidence in the chain, but the chain kept one link per
rule (the disk's lines had taken it), and in scan a line more than 30 s after the failure's hit as first recorded
was no evidence at all: the other new errors left no trace in the incident or its alert. Real journal files
written by systemd-journal-remote, `scan -o json` with the anomaly rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time
from test_anomaly_second_failure import HANG_RULE, disk_full
from test_anomaly_sustained import FAIL, UNIT, errors, history, journal_usec, requests

from logsentry.engine.failures import FailureGroups
from logsentry.model import Entry, Hit, Incident, Severity
from logsentry.rules.loader import load_rules

POOL = "[{t}][billing][Error][host1][PID 654] invoice store: connection pool exhausted, waited 30s for a connection"
WORKERS = {"ledger": "ledger sync: gave up after 5 retries, upstream returned 503",
           "mailer": "mailer: SMTP relay refused the connection (421 too many concurrent sessions)",
           "pricing": "pricing cache: snapshot checksum mismatch, rebuilding from scratch"}


def pool_dry(start: float, lines: int) -> list[dict]:
    return [entry(POOL.format(t=int(start + k * 7)), unit=UNIT, at=start + k * 7) for k in range(lines)]


def workers_give_up(start: float) -> list[dict]:
    """Three more new error lines, each its own template, a minute apart, three times each."""
    return [entry(f"[{int(at)}][billing][Error][host1][PID 654] {line}", unit=UNIT, at=at)
            for n, line in enumerate(WORKERS.values()) for at in (start + 60 * n + k for k in (0, 5, 9))]


def test_each_distinct_new_error_during_a_failure_is_in_its_chain(make_journal: Callable[..., Path]) -> None:
    journal = make_journal(by_time(history(), requests(FAIL, FAIL + HOUR, 0.3, 4), disk_full(FAIL, 20),
                                   pool_dry(FAIL + 5 * 60, 20), workers_give_up(FAIL + 6 * 60)))
    done = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    paged = [i for i in of_type(events, "incident") if i["first_usec"] >= journal_usec(FAIL)]
    assert [i["rule"] for i in paged] == ["new-error-template"] and "No space left" in paged[0]["template"], paged
    [failure] = [i for i in of_type(events, "incident_end") if i["first_usec"] == paged[0]["first_usec"]]
    evidence = [link["message"] for link in failure["chain"] if not link["fired"]]
    told = {what: [line for line in evidence if what in line] for what in
            ["No space left on device", "connection pool exhausted", *WORKERS.values()]}
    assert all(told.values()), told  # each distinct new error line, no page of its own


def test_the_chains_links_per_template_survive_a_restart() -> None:
    """The failure's evidence as the service saves it (snapshot) and takes it back at a start (restore): one link
    per distinct template of a rule, each with its own line. Pure logic: FailureGroups alone."""
    sec = 1_000_000
    rules = load_rules([ANOMALY_RULES]).rules
    groups = FailureGroups(rules)
    fired = Incident("new-error-template", Severity.ERROR, UNIT, "", 10 * sec, 10 * sec, 12 * sec, 3, 3, 600 * sec,
                     "c0", ("disk full",), "alert", why="new", template="disk <*>")
    groups.fired(fired)
    for at, template, line in ((13, "pool <*>", "pool exhausted"), (14, "ledger <*>", "ledger gave up"),
                               (15, "pool <*>", "pool exhausted again")):
        groups.note_evidence(Hit("new-warning-template", Severity.WARNING, Entry(at * sec, line, UNIT, 3, f"c{at}"), {},
                                 "", "new", template))
    restored = FailureGroups(rules)
    restored.restore(json.loads(json.dumps(groups.snapshot())))
    for each in (groups, restored):
        [failure] = each.open_failures()
        assert [(link.rule_id, link.message) for link in failure.chain] == [
            ("new-error-template", "disk full"), ("new-warning-template", "pool exhausted"),
            ("new-warning-template", "ledger gave up")]


def test_each_new_error_during_a_failure_a_signature_named_is_in_its_chain(make_journal: Callable[..., Path],
                                                                           tmp_path: Path) -> None:
    """The same under a signature's incident (a hang's known line, every 8 s): the new errors minutes into it are
    that failure's (its signature keeps the incident), and were dropped before they could be evidence (no match,
    no link), where an anomaly incident's failure notes them."""
    journal = make_journal(by_time(history(), requests(FAIL, FAIL + HOUR, 0.3, 4), errors(FAIL, FAIL + HOUR, 1 / 8, 3),
                                   disk_full(FAIL + 10 * 60, 20), pool_dry(FAIL + 15 * 60, 20),
                                   workers_give_up(FAIL + 17 * 60)[:3]))
    rules = tmp_path / "signature"
    rules.mkdir()
    (rules / "libpq-busy.toml").write_text(HANG_RULE)
    done = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES), "--rules",
                   str(rules), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    paged = [i for i in of_type(events, "incident") if i["first_usec"] >= journal_usec(FAIL)]
    assert [i["rule"] for i in paged] == ["libpq-busy"], paged  # one failure, one page
    [failure] = [i for i in of_type(events, "incident_end") if i["first_usec"] == paged[0]["first_usec"]]
    evidence = [link["message"] for link in failure["chain"] if not link["fired"]]
    told = {what: [line for line in evidence if what in line] for what in
            ["No space left on device", "connection pool exhausted", WORKERS["ledger"]]}
    assert all(told.values()), told
