"""A persistence rule with `first_run = true` (engine/episodes.py): an operator's own rule that makes a new failure
line going on for 15 minutes without a pause an error, beside new-failure-template's warning within seconds (the
mission's hang at priority 6, tests/test_mission_words.py). The shipped library has no such rule: a break-it review
found it paged at error on routine noise (sshd's scanners, resolved's DVE-2018-0001 retries, DHCPv6 timeouts, clients'
resets and expired tokens; /var/tmp/me/break271.md, stop 65). The rule here is written as an operator would, with
new-failure-template's words and ignore. Real journal files (systemd-journal-remote), the shipped anomaly rules."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, ROOT

NORMAL = ("handled request id={} in {}ms", "cache refresh done: {} keys in {}ms", "job {} finished in {}ms")
HISTORY_S = 3 * 3600
RULE = "failure-goes-on"


def own_rule(directory: Any) -> Any:
    """The operator's rule file, RULE, in `directory`: new-failure-template's words and ignore, first_run."""
    source = (ROOT / "rules" / "anomaly" / "new-failure-template.toml").read_text()
    anomaly = source[source.index("[anomaly]"):source.index("[trigger]")]
    ignore = next(line for line in anomaly.splitlines() if line.startswith("ignore = "))
    words = anomaly[anomaly.index("words = ["):]
    path = directory / f"{RULE}.toml"
    path.write_text(f'id = "{RULE}"\ntitle = "A new failure line goes on for a quarter of an hour"\n'
                    'description = "A new failure, below err, with no pause over 5 min for 15 min: an error."\n'
                    'severity = "error"\naction = "alert"\n[anomaly]\nkind = "persistence"\nfirst_run = true\n'
                    'level = "info"\nwarm_after = "1h"\nwarm_entries = 200\ngap = "5m"\nfloor = "15m"\n'
                    f'min_count = 10\ninfo_lines = false\n{ignore}\n{words}\n[trigger]\ncount = 1\nwithin = "10m"\n')
    return path


@pytest.fixture
def rules_dir(tmp_path: Any) -> Any:
    """The shipped anomaly rules and the operator's RULE."""
    own = tmp_path / "own-rules"
    own.mkdir()
    own_rule(own)
    return own


def worker(failure: str, every_s: float, for_s: float, *, pause_at_s: float | None = None,
           history_s: float = HISTORY_S, priority: int = 6) -> list[dict[str, Any]]:
    """`history_s` of a queue worker's routine lines (one every 5-25 s, going on throughout), and from then `failure`
    every `every_s` for `for_s` (with a 6-minute pause from `pause_at_s` after its first line, when given)."""
    rng = random.Random(11)
    entries, at = [], 0.0
    while at < history_s + for_s + 60:
        entries.append(entry(rng.choice(NORMAL).format(rng.randrange(99999), rng.randrange(900)), unit="queue.service",
                             at=at, _PID="812"))
        at += rng.uniform(5, 25)
    second = 0.0
    while second < for_s:
        if pause_at_s is None or not pause_at_s <= second < pause_at_s + 360:
            entries.append(entry(failure.format(n=int(second)), unit="queue.service", at=history_s + second,
                                 priority=priority, _PID="812"))
        second += every_s
    return sorted(entries, key=lambda e: int(e["__REALTIME_TIMESTAMP"]))


def scan(make_journal: Any, entries: list[dict[str, Any]], own: Any, *more: str) -> Any:
    return run_cli("scan", "--file", str(make_journal(entries)), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                   "--rules", str(own), *more)


def incidents(make_journal: Any, entries: list[dict[str, Any]], own: Any) -> list[dict[str, Any]]:
    return of_type(json_events(scan(make_journal, entries, own, "-o", "json")), "incident")


def fired_after_s(incident: dict[str, Any], history_s: float = HISTORY_S) -> float:
    return (incident["realtime_usec"] - BASE_USEC) / 1e6 - history_s


@pytest.mark.parametrize("line", ["thread blocked indefinitely in an MVar operation",
                                  "cannot reach the ledger at 10.0.3.7:5432 (attempt {n}), will retry"])
def test_a_new_failure_going_on_for_15_minutes_is_an_error(make_journal: Any, rules_dir: Any, line: str) -> None:
    found = incidents(make_journal, worker(line, every_s=5, for_s=40 * 60), rules_dir)
    rules = {incident["rule"]: incident for incident in found}
    assert rules["new-failure-template"]["severity"] == "warning"
    assert 0 <= fired_after_s(rules["new-failure-template"]) < 60
    persists = rules[RULE]
    assert persists["severity"] == "error"
    assert 15 * 60 <= fired_after_s(persists) < 16 * 60, fired_after_s(persists)
    assert "first run" in persists["why"] and "without a pause over 5m" in persists["why"], persists["why"]


def test_its_card_says_when_the_run_began(make_journal: Any, rules_dir: Any) -> None:
    failing = worker("cannot reach the ledger (attempt {n})", every_s=5, for_s=40 * 60)
    card = scan(make_journal, failing, rules_dir).output
    assert "run began 2026-01-01 03:00:00.000; fired 03:15:05.000 at line 182 of the run, 15m 5s in, past its bar " \
           "of 15m (its first run)" in " ".join(card.replace("│", " ").split()), card


def test_a_new_failure_that_stops_or_pauses_is_no_error(make_journal: Any, rules_dir: Any) -> None:
    """Ten minutes of it, or 20 minutes with a 6-minute pause after 10: a warning, no error."""
    for entries in (worker("cannot reach the ledger (attempt {n})", every_s=5, for_s=10 * 60),
                    worker("cannot reach the ledger (attempt {n})", every_s=5, for_s=26 * 60, pause_at_s=10 * 60)):
        rules = [incident["rule"] for incident in incidents(make_journal, entries, rules_dir)]
        assert "new-failure-template" in rules and RULE not in rules, rules


def test_what_the_program_wrote_at_info_or_a_routine_line_is_no_error(make_journal: Any, rules_dir: Any) -> None:
    """A new line the program itself wrote at INFO (a deploy's new periodic job), or one with no failure word, going
    on for 40 minutes: no error."""
    for line in ("2026-01-01 03:00:00,123 INFO [sweeper] removed {n} expired sessions",
                 "processing batch {n} of the nightly import"):
        rules = [incident["rule"]
                 for incident in incidents(make_journal, worker(line, every_s=5, for_s=40 * 60), rules_dir)]
        assert RULE not in rules, rules


def test_a_new_error_line_is_left_to_new_error_template(make_journal: Any, rules_dir: Any) -> None:
    """At priority 3 the new-error-template rules page at once: no second error 15 minutes later."""
    rules = [incident["rule"] for incident in incidents(
        make_journal, worker("cannot reach the ledger (attempt {n})", every_s=5, for_s=40 * 60, priority=3), rules_dir)]
    assert RULE not in rules and any(rule.startswith(("new-error", "first-error")) for rule in rules), rules


def test_a_failure_the_unit_logged_while_cold_is_not_new(make_journal: Any, rules_dir: Any) -> None:
    """A unit that logs it from its first minutes (its normal, learnt before the unit was warm): no error."""
    rules = [incident["rule"] for incident in incidents(
        make_journal, worker("cannot reach the ledger (attempt {n})", every_s=5, for_s=3 * 3600, history_s=60),
        rules_dir)]
    assert RULE not in rules, rules


def test_the_own_rule_loads_with_first_run(rules_dir: Any) -> None:
    from logsentry.rules.loader import load_rules
    loaded = load_rules([rules_dir])
    assert not loaded.errors, loaded.errors
    [rule] = loaded.rules
    assert rule.anomaly is not None and rule.anomaly.first_run and not rule.anomaly.info_lines


def test_the_shipped_library_has_no_first_run_rule() -> None:
    """The error escalation paged on routine noise (the module's docstring): not shipped, an operator's choice."""
    from logsentry.rules.loader import load_rules
    assert not [rule.id for rule in load_rules([ANOMALY_RULES]).rules if rule.anomaly and rule.anomaly.first_run]


def test_first_run_is_a_persistence_rule_s(tmp_path: Any) -> None:
    rule = tmp_path / "x.toml"
    rule.write_text('id = "x"\ntitle = "x"\ndescription = "x"\nseverity = "error"\n[anomaly]\nkind = "new-template"\n'
                    'first_run = true\n[trigger]\ncount = 1\nwithin = "1m"\n')
    result = run_cli("rules", "test", str(rule))
    assert result.exit_code != 0
    assert 'anomaly.first_run (line 7): only a persistence rule takes first_run (this one is kind "new-template")' in (
        result.output), result.output


@pytest.mark.parametrize("screened", [True, False])
def test_the_counted_path_fires_it_as_one_by_one(make_journal: Any, rules_dir: Any, screened: bool) -> None:
    """engine/runstep.py counts lines below error level in C up to a template's deadline (Episodes.deadline: a first
    run's is its first line plus the floor; test_a_first_runs_deadline_is_its_floor): the same incidents and
    episodes as observing each line, for a hang and a retry loop that stops (a warning only) in one journal. A line
    every 90 s is too slow for new-failure-template (10 within 10 min): the error comes with no warning before it."""
    from test_runstep import assert_same, replay
    from test_runstep import incidents as incidents_of
    lines = worker("cannot reach the ledger (attempt {n})", every_s=90, for_s=40 * 60) + [
        entry(f"sync of shard {k % 4} failed, retrying", unit="sync.service", at=k * 20.0, _PID="90")
        for k in range(700)] + [entry("sync of shard 9 failed, retrying", unit="sync.service", at=HISTORY_S + k * 5.0,
                                      _PID="90") for k in range(100)]
    lines.sort(key=lambda e: int(e["__REALTIME_TIMESTAMP"]))
    from logsentry.rules.loader import load_rules
    rules = load_rules([ANOMALY_RULES, rules_dir]).rules
    events, fast = assert_same(make_journal(lines), rules, one_by_one=0.8, screened=screened)
    _, slow = replay(make_journal(lines), False, rules, screened=screened)
    assert (RULE, "queue.service") in incidents_of(events)
    assert not any(rule == RULE and unit == "sync.service" for rule, unit in incidents_of(events))
    assert fast.anomaly is not None and slow.anomaly is not None
    saved = [{tuple(row[:2]): row for row in p.anomaly.episodes[RULE].snapshot(lambda u, t: True)["records"]}
             for p in (fast, slow)]
    assert saved[0] == saved[1] and len(saved[0]) >= 2


def test_a_first_runs_deadline_is_its_floor() -> None:
    """The C step counts a template's lines up to Episodes.deadline: a first run may fire at its first line plus the
    floor (not a pause plus the floor later, a learnt template's earliest); a template's later runs never fire."""
    from logsentry.engine.episodes import Bar, Episodes
    episodes = Episodes(Bar(gap_usec=300, floor_usec=600, margin=2, min_count=3, first_run=True))
    for usec in (1000, 1100, 1200):
        episodes.see("u", "t", usec, 1000)
    assert episodes.deadline("u", "t", 1000, False) == (1600, 1200)
    assert episodes._judged(episodes.see("u", "t", 1450, 1000), 1000, True, False, 0) is None
    assert episodes._judged(episodes.see("u", "t", 1650, 1000), 1000, True, False, 0) is not None
    later = Episodes(episodes.bar)
    for usec in (1000, 1100, 5000, 5100):  # a pause past the gap: the first run ended at 1100
        later.see("u", "t", usec, 1000)
    assert later.deadline("u", "t", 1000, False) == (5100 + 300 + 600, 5100)
    assert later._judged(later.see("u", "t", 5700, 1000), 1000, True, False, 0) is None


def test_rules_show_and_explain_say_it_judges_first_runs(rules_dir: Any) -> None:
    shown = " ".join(run_cli("rules", "show", "--rules", str(rules_dir), RULE).output.split())
    assert "test: the first run (its lines below err with no pause over 5min) of a template new in a warm unit, of " \
           "at least 10 lines, that lasts longer than 15min" in shown, shown
    explained = " ".join(run_cli("rules", "check", "--rules", str(rules_dir), "worker 3: cannot reach the ledger",
                                 "--explain").output.split())
    assert f"{RULE} (error, alert, persistence): watches how long the first run of a template first logged once 1h " \
           "and 200 entries of the unit's history are learnt" in explained, explained
    assert "longest run learnt" not in explained.split(f"{RULE} (error")[1].split("this line")[0], explained


def test_a_second_failure_during_an_escalated_one_is_paged(make_journal: Any, rules_dir: Any) -> None:
    """The error took over the lines of the warning's incident, which then ended: a backup failing 40 min into a lost
    peer's retries (25 min after the escalation) joined the escalated failure unpaged. A failure that escalated one
    began when that one did (Failure.since_usec): the backup is paged at its 10th line (`another failure`)."""
    from test_anomaly import by_time
    from test_anomaly_sustained import FAIL, UNIT, history, journal_usec
    peer = [entry(f"peer 10.0.0.9 not responding, retrying (attempt {k})", unit=UNIT, at=FAIL + 30 * k, priority=6)
            for k in range(240)]
    backup = [entry(f"backup upload to bucket nightly failed: access denied (try {k})", unit=UNIT,
                    at=FAIL + 2400 + 30 * k, priority=6) for k in range(120)]
    found = [i for i in incidents(make_journal, by_time(history(), peer, backup), rules_dir) if i["unit"] == UNIT]
    assert [(i["rule"], i["key"]) for i in found if i["rule"] != "new-error-template"] == [
        ("new-failure-template", ""), (RULE, ""), ("new-failure-template", "another failure"),
        (RULE, "another failure")], found
    backup_warning = found[[i["rule"] for i in found].index("new-failure-template", 2)]
    assert backup_warning["first_usec"] == journal_usec(FAIL + 2400) and "access denied" in backup_warning["template"]
