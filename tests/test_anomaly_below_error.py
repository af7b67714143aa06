"""New failure lines below error level (issue 12): new-warning-template and new-failure-template on real journal
files, against a warm history. A retry loop at WARN, at PRIORITY 6 with no level word, or with no PRIORITY at
all is caught; a deploy's new info wording and a failure line now and then are not; the anomaly step over whole
runs (engine/runstep.py) decides as the per-entry path does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import entry, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies, steady
from test_runstep import assert_same, incidents

from logsentry.rules.loader import load_rules

SHIPPED = {rule.id: rule for rule in load_rules([ANOMALY_RULES]).rules}


def repeated(message: str, unit: str, start: float, times: int, every: float, priority: int | None) -> list[dict]:
    return [entry(message.format(n=n), unit=unit, at=start + n * every, priority=priority) for n in range(times)]


def warm(unit: str, hours: float = 2) -> list[dict]:
    """A unit's known traffic: two templates, a line every 5 s, for `hours` (warm after 1 h)."""
    return by_time(steady(unit, 0, hours * HOUR, 10),
                   steady(unit, 0, hours * HOUR, 10, "cache hit ratio {n} over {ms} keys", seed=2))


# The scenarios of helper C's trial (wordings from public bug reports), each a line every `every` seconds.
ZOOKEEPER = ("WARN Client session timed out, have not heard from server in 40{n}ms for sessionid 0x1000 "
             "(org.apache.zookeeper.ClientCnxn)")
REDIS = "1:M 28 Nov 2026 14:00:{n:02d} # Can't save in background: fork: Cannot allocate memory"
GO_DIAL = "2026/11/28 14:00:{n:02d} Problem with dial: dial tcp 10.0.0.5:5432: connect: connection refused. Sleeping 1s"


@pytest.mark.parametrize(("message", "priority", "every"), [
    (ZOOKEEPER, 4, 0.5),  # a WARN storm
    (REDIS, 4, 6),        # Redis's scale tops out at warning ('#')
])
def test_a_new_warning_repeating_fires_once(make_journal, message, priority, every):
    unit = "svc.service"
    failure = repeated(message, unit, 2 * HOUR, 30, every, priority)
    found = scan_anomalies(make_journal(by_time(warm(unit), failure)))
    assert [(i["rule"], i["unit"]) for i in found] in ([("new-warning-template", unit)],
                                                        [("new-failure-template", unit)])
    assert found[0]["realtime_usec"] == int(failure[9]["__REALTIME_TIMESTAMP"])  # the tenth line fires
    assert "never logged" in found[0]["why"]


@pytest.mark.parametrize("priority", [6, None], ids=["priority-6", "no-priority"])
def test_a_new_failure_line_without_a_level_fires_new_failure_template(make_journal, priority):
    """Go's log.Printf to stdout: PRIORITY 6 (or none at all), no level word, a retry every second."""
    unit = "vnet.service"
    failure = repeated(GO_DIAL, unit, 7 * HOUR, 60, 1, priority)
    journal = make_journal(by_time(warm(unit, 7), failure))  # 7 h: warm for template-rate-spike too
    found = scan_anomalies(journal)
    assert [(i["rule"], i["unit"]) for i in found] == [("new-failure-template", unit)]
    assert found[0]["realtime_usec"] == int(failure[9]["__REALTIME_TIMESTAMP"])
    assert found[0]["template"].startswith("<NUM>/<NUM>/<NUM> <TS> Problem with dial")
    for screened in (True, False):  # the counted path decides the same (in full: each line counted or not)
        events, _ = assert_same(journal, one_by_one=0.4, screened=screened)
        assert incidents(events) == [("new-failure-template", unit)]


DISK = "high disk watermark [90%] reached on [node-{n}], shards will be relocated away from this node"


@pytest.mark.parametrize(("message", "first", "then", "rule"), [
    (GO_DIAL, 6, 6, "new-failure-template"),
    (DISK, 4, 4, "new-warning-template"),  # no failure word: only the warning rule
    (DISK, 6, 4, "new-warning-template"),  # first at info (counted on its budget), then at PRIORITY 4
], ids=["failure-word", "warning", "info-then-warning"])
def test_a_new_line_seen_once_then_looping_fires_on_the_counted_path(make_journal, message, first, then, rule):
    """One line of a new template, then, 15 min later (its unit no longer anomalous, the template still new), a
    loop of them: the anomaly step must not count them on a known template's budget. Entries in full (screened
    False) are stepped one at a time, so the template's key is known when the loop comes."""
    unit = "vnet.service"
    once = repeated(message, unit, 7 * HOUR, 1, 1, first)
    loop = repeated(message, unit, 7 * HOUR + 900, 30, 1, then)
    journal = make_journal(by_time(warm(unit, 7), once, loop))
    for screened in (True, False):
        events, _ = assert_same(journal, one_by_one=0.4, screened=screened)
        assert incidents(events) == [(rule, unit)]


def deploy(unit: str, start: float) -> list[dict]:
    """A busy unit's new release: its old wording stops, and 30 new info templates (none saying a failure
    word) come several times a second for half an hour, with one new warning of each of 5 kinds."""
    words = ["request", "handler", "router", "session", "cache", "queue", "worker", "shard", "index", "ticket"]
    lines = []
    for n in range(1800 * 4):
        kind = n % 30
        lines.append(entry(f"v2 {words[kind % 10]} stage {kind // 10} handled item {n} in {n % 97}ms", unit=unit,
                           at=start + n / 4))
    for kind in range(5):
        lines.append(entry(f"v2 config key {words[kind]}_limit is deprecated, using default {kind}", unit=unit,
                           at=start + 60 + kind * 200, priority=4))
    return lines


def test_a_deploy_with_new_info_wording_raises_no_incident(make_journal):
    unit = "web.service"
    journal = make_journal(by_time(warm(unit), deploy(unit, 2 * HOUR)))
    assert scan_anomalies(journal) == []
    for screened in (True, False):
        events, _ = assert_same(journal, one_by_one=1.0, screened=screened)  # (exact; mostly one by one here)
        assert incidents(events) == []


def test_a_failure_line_now_and_then_is_quiet_ten_in_ten_minutes_fire(make_journal):
    """Nine lines of a new failure template within ten minutes are below the trigger; the tenth fires."""
    unit = "api.service"
    message = "upstream {n} refused the connection, retrying"
    nine = repeated(message, unit, 2 * HOUR, 9, 60, 6)
    assert scan_anomalies(make_journal(by_time(warm(unit, 2.5), nine))) == []
    ten = repeated(message, unit, 2 * HOUR, 10, 60, 6)
    found = scan_anomalies(make_journal(by_time(warm(unit, 2.5), ten)))
    assert [i["rule"] for i in found] == ["new-failure-template"]


def test_the_new_rules_as_shipped():
    """Their levels, triggers and words: each of helper C's five below-error wordings says a failure word in its
    template, the deploy's wording does not (the rule files' own [[scenario]] tables run in `rules test`)."""
    warning, failure = SHIPPED["new-warning-template"], SHIPPED["new-failure-template"]
    assert warning.anomaly is not None and failure.anomaly is not None
    assert (warning.anomaly.kind, warning.anomaly.level, warning.trigger.count) == ("new-template", 4, 10)
    assert (failure.anomaly.kind, failure.anomaly.level, failure.trigger.count) == ("new-template", None, 10)
    assert warning.trigger.within_usec == failure.trigger.within_usec == 600_000_000
    pattern = failure.anomaly.words_re
    assert pattern is not None
    for text in ("<NUM>:M <NUM> Nov <NUM> <TS> # Can't save in background: fork: Cannot allocate memory",
                 "WARN Client session timed out, have not heard from server in <DUR> for sessionid <HEX>",
                 "<UNIT>: Failed with result <STR>.",
                 "<NUM>/<NUM>/<NUM> <TS> Problem with dial: dial tcp <IP>: connect: connection refused. Sleeping <DUR>",
                 "WARN flood stage disk watermark [<NUM>%] exceeded on [node-<NUM>] [<PATH>]"):
        assert pattern.search(text), text
    for text in ("v2 request stage <NUM> handled item <NUM> in <DUR>", "errors=<NUM> retry_on_failure=true",
                 "listening on <IP>", "lostfound scan done", "0 errors, 0 failures"):
        assert not pattern.search(text), text
    result = run_cli("rules", "test", str(ANOMALY_RULES / "new-warning-template.toml"),
                     str(ANOMALY_RULES / "new-failure-template.toml"))
    assert result.exit_code == 0, result.output
    assert "2 rules, 4 checks: 4 passed, 0 failed" in result.output


@pytest.mark.parametrize(("body", "problem"), [
    ('kind = "new-template"\nwords = "failed"', "anomaly.words (line 7): expected a list of words (got 'failed')"),
    ('kind = "new-template"\nwords = []', "anomaly.words (line 7): expected a list of words (got a list of 0)"),
    ('kind = "new-template"\nwords = ["failed", 3]',
     "anomaly.words (line 7): expected a list of words (got 3 as word 2)"),
    ('kind = "new-template"\nwords = ["failed", "  "]',
     "anomaly.words (line 7): expected a list of words (got '  ' as word 2)"),
    ('kind = "rate-spike"\nwords = ["failed"]',
     'anomaly.words (line 7): only a new-template or persistence rule takes words'),
    ('kind = "new-template"\nwords = ["failed"]\nignore = "debconf: ("',
     "anomaly.ignore (line 8): invalid regular expression: missing ) at position 10, expected a valid regex"),
    pytest.param('kind = "new-template"\nwords = ["failed"]\nignore = "' + "a" * 4097 + '"',
                 "anomaly.ignore (line 8): a regex of 4097 characters, expected at most 4096", id="huge-ignore"),
    ('kind = "new-template"\nignore = "debconf: "',
     "anomaly.ignore (line 7): only a rule with words takes ignore"),
    ('kind = "new-template"\nwords = ["failed"]\nignore = 3',
     "anomaly.ignore (line 8): expected a regular expression of template text (got 3)"),
])
def test_bad_words_are_named(write_rule, rules_dir: Path, body, problem):
    path = write_rule("words", f'title = "t"\nseverity = "warning"\naction = "alert"\n[anomaly]\n{body}\n'
                               '[trigger]\ncount = 1\nwithin = "1m"\n')
    rule_set = load_rules([rules_dir])
    assert not rule_set.rules
    assert len(rule_set.errors) == 1 and problem in rule_set.errors[0] and path.name in rule_set.errors[0], \
        rule_set.errors


def test_a_runaway_ignore_regex_ignores_nothing(write_rule, rules_dir: Path):
    """An operator's ignore that backtracks for ever on some template (template text is the lines' own, a hostile
    client's included) runs out after IGNORE_TIMEOUT_S and the template's words count: scan hung on one line."""
    write_rule("runaway", 'title = "t"\nseverity = "warning"\naction = "alert"\n[anomaly]\nkind = "new-template"\n'
                          'words = ["failed"]\nignore = \'(a+)+$\'\n[trigger]\ncount = 1\nwithin = "1m"\n')
    probe = ("import sys; from logsentry.rules.loader import load_rules; from pathlib import Path\n"
             "[rule] = load_rules([Path(sys.argv[1])]).rules\n"
             "words = rule.anomaly.words_re\n"
             "print(words.search('a' * 40 + ' failed!').group(), words.search('failed aaaa'))\n")
    # (a child: `re` holds the GIL while it backtracks, no thread of this process could time it out)
    done = subprocess.run([sys.executable, "-c", probe, str(rules_dir)], capture_output=True, text=True, timeout=30,
                          check=True)
    assert done.stdout == "failed None\n"  # (the regex still ignores where it ends)


def test_rules_show_lists_the_words():
    """An operator editing the list sees what the loaded rule uses."""
    result = run_cli("rules", "show", "new-failure-template")
    assert result.exit_code == 0, result.output
    assert "  words: failed, failure, fail, " in result.stdout and ", timed out, " in result.stdout
    assert "  ignore: debconf: (?:unable to initialize frontend: " in result.stdout
    assert "words:" not in run_cli("rules", "show", "new-warning-template").stdout
