"""Rule file validation: every error names file and key, says what was expected and what was found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.rules.check import check_rule
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import RuleError, load_rule_file

VALID = '''
title = "t"
severity = "error"
action = "alert"
[match]
message = 'BOOM'
[trigger]
count = 2
within = "90s"
'''

CASES = [
    ('id = "other"\n' + VALID, "id: must equal the file name, expected 'r' (got 'other')"),
    (VALID, "id: missing, expected a string"),
    ('id = "r"\n' + VALID.replace('title = "t"', "title = 3"), "title: expected a non-empty string (got 3)"),
    ('id = "r"\n' + VALID.replace('"error"', '"fatal"'),
     "severity: expected one of info, warning, error, critical (got 'fatal')"),
    ('id = "r"\n' + VALID.replace('"alert"', '"reboot"'), "action: expected one of alert, restart (got 'reboot')"),
    ('id = "r"\n' + VALID.replace("'BOOM'", "'(BOOM'"), "match.message: invalid regular expression: missing )"),
    ('id = "r"\n' + VALID.replace("message = 'BOOM'", "message = 'B'\nignore = '[x'"),
     "match.ignore: invalid regular expression"),
    ('id = "r"\n' + VALID.replace("message = 'BOOM'", "priority = 'loud'"),
     "match: nothing to match, expected match.message (a regex) or match.fields"),
    ('id = "r"\n' + VALID.replace("message = 'BOOM'", "message = 'B'\npriority = 'loud'"),
     "match.priority: expected a priority 0-7 or one of emerg, alert, crit, err, warning, notice, info, debug "
     "(got 'loud')"),
    ('id = "r"\n' + VALID.replace("message = 'BOOM'", "message = 'B'\nfields = { X = 1 }"),
     'match.fields: expected a table of field = "value" strings (got a table)'),
    ('id = "r"\n' + VALID.replace('"90s"', '"60 secs"'),
     'trigger.within: expected a duration like "90s", "10min", "1.5h" or "2h 30min", as systemd writes time spans '
     '(got \'60 secs\')'),
    ('id = "r"\n' + VALID.replace("count = 2", "count = 0"),
     "trigger.count: expected a whole number of hits, 1 or more (got 0)"),
    ('id = "r"\n' + VALID.replace("count = 2", 'count = 2\ngroup_by = "ip"'),
     "trigger.group_by: expected the name of a capture in match.message (none) (got 'ip')"),
    ('id = "r"\n' + VALID.replace("count = 2", "cuont = 2"),
     "trigger.cuont: unknown key (did you mean 'count'?), expected one of count, counter, group_by, keep_firing_for, "
     "within"),
    ('id = "r"\n' + VALID.replace("count = 2", 'count = 2\nkeep_firing_for = "15 mins"'),
     'trigger.keep_firing_for: expected a duration like "90s", "10min", "1.5h" or "2h 30min", as systemd writes '
     "time spans (got '15 mins')"),
    ('id = "r"\nsevirity = "x"\n' + VALID, "sevirity: unknown key"),
    ('id = "r"\n' + VALID + '[[sample]]\nline = "BOOM"\n', "sample #1: match: missing, expected true or false"),
    ('id = "r"\n' + VALID + '[[sample]]\nmatch = true\n',
     "sample #1: line: missing, expected the log line as a string"),
    ('id = "r"\n' + VALID + '[[scenario]]\nhits = "0s"\n',
     'scenario #1: hits: expected a list of offsets like ["0s", "5s"] (got \'0s\')'),
    ('id = "r"\ntrigger = 5\n' + VALID.split("[trigger]")[0], "trigger: expected a table [trigger] (got 5)"),
    ('id = "r"\ntitle = \n', "TOML syntax: "),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_every_rule_error_names_file_and_key(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(RuleError) as caught:
        load_rule_file(path, "rules/x/r.toml")
    assert any(line.startswith("rules/x/r.toml: ") and expected in _unlined(line) for line in caught.value.problems), \
        caught.value.problems
    assert not any("None" in line for line in caught.value.problems)  # (a key not in the file is "missing")


def _unlined(problem: str) -> str:
    """A problem without the line it names ("id (line 1): ..."): the cases above are about the words."""
    return re.sub(r" \(line \d+\)", "", problem)


def test_all_problems_of_one_file_are_reported_together(tmp_path: Path):
    path = tmp_path / "r.toml"
    path.write_text('id = "r"\nseverity = "x"\naction = "y"\n[match]\nmessage = "("\n[trigger]\nwithin = "soon"\n')
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    keys = [line.split(": ")[1] for line in caught.value.problems]
    assert keys == ["title", "severity (line 2)", "action (line 3)", "match.message (line 5)",
                    "trigger.within (line 7)"]


def test_broken_file_does_not_take_others_down(tmp_path: Path):
    (tmp_path / "good.toml").write_text('id = "good"\n' + VALID)
    (tmp_path / "bad.toml").write_text('id = "bad"\n' + VALID.replace('"90s"', '"later"'))
    loaded = load_rules([tmp_path])
    assert [rule.id for rule in loaded.rules] == ["good"]
    assert len(loaded.errors) == 1 and "bad.toml: trigger.within" in loaded.errors[0]


def test_local_rule_overrides_shipped_id_and_duplicates_are_errors(tmp_path: Path):
    local = tmp_path / "local"
    local.mkdir()
    (local / "ghc-mvar-deadlock.toml").write_text('id = "ghc-mvar-deadlock"\n' + VALID)
    loaded = load_rules([shipped_rules_dir(), local])
    assert loaded.errors == ()
    assert loaded.by_id()["ghc-mvar-deadlock"].path == local / "ghc-mvar-deadlock.toml"
    (local / "sub").mkdir()
    (local / "sub" / "ghc-mvar-deadlock.toml").write_text('id = "ghc-mvar-deadlock"\n' + VALID)
    again = load_rules([local])
    assert any("id: duplicate" in error for error in again.errors)


def test_missing_rule_directory_is_reported(tmp_path: Path):
    result = run_cli("scan", "--rules", str(tmp_path / "nope"), "--file", "/dev/null")
    assert result.exit_code == 2
    assert "nope: no such rule file or directory" in result.stderr


SHIPPED = load_rules([shipped_rules_dir()])


def test_shipped_rules_load_cleanly():
    assert SHIPPED.errors == ()
    assert len(SHIPPED.rules) >= 5
    for rule in SHIPPED.rules:
        assert rule.path.parent.parent == shipped_rules_dir(), rule.path


@pytest.mark.parametrize("rule", SHIPPED.rules, ids=lambda rule: rule.id)
def test_shipped_rule_samples_and_scenarios(rule):
    failures = [f"{r.what}: {r.detail}" for r in check_rule(rule) if not r.ok]
    assert failures == []


def test_rules_test_command_reports_failing_line(tmp_path: Path):
    """Samples and scenarios are counted from 1, as `config check` counts [[watch]] tables (they said sample[0])."""
    (tmp_path / "r.toml").write_text('id = "r"\n' + VALID + '[[sample]]\nline = "nope"\nmatch = true\n'
                                     '[[sample]]\nline = "BOOM again"\nmatch = false\n'
                                     '[[scenario]]\nhits = ["0s"]\nfires = ["0s"]\n'
                                     '[[scenario]]\nname = "twice"\nhits = ["0s", "1s"]\nfires = []\n')
    result = run_cli("rules", "test", str(tmp_path))
    assert result.exit_code == 1
    assert "sample #1: expected a match, got none: 'nope'" in result.stdout
    assert "sample #2: expected no match, but it matched: 'BOOM again'" in result.stdout
    assert "scenario #1: expected firing at [0s] (got [])" in result.stdout, result.stdout
    assert "scenario #2 twice: expected firing at [] (got [1s])" in result.stdout, result.stdout
    assert run_cli("rules", "test").exit_code == 0


def _rule_with(tmp_path: Path, message: str) -> Path:
    (tmp_path / "r.toml").write_text(
        f"id = \"r\"\ntitle = \"t\"\nseverity = \"error\"\n[match]\nmessage = '{message}'\n"
        '[[sample]]\nline = "aaaa error xyz"\nmatch = true\n[[sample]]\nline = "fine"\nmatch = false\n')
    return tmp_path


def test_lint_greedy_dot_before_capture(tmp_path: Path):
    result = run_cli("rules", "test", str(_rule_with(tmp_path, r".*error (?P<x>\w+)")))
    assert result.exit_code == 1
    assert "lint: greedy .* or .+ before a capture" in result.stdout
    assert run_cli("rules", "test", str(_rule_with(tmp_path, r"error (?P<x>\w+)"))).exit_code == 0


def test_redos_probe_catches_catastrophic_backtracking(tmp_path: Path):
    result = run_cli("rules", "test", str(_rule_with(tmp_path, r"^(a|aa)+$|error")))
    assert result.exit_code == 1
    assert "ReDoS probe: regex ran longer than 250 ms on 64 KiB of 'a' then '!'" in result.stdout


def test_restart_rules_match_the_first_line_only(tmp_path: Path):
    from logsentry.engine.detector import match_rule

    (tmp_path / "r.toml").write_text("id = \"r\"\ntitle = \"t\"\nseverity = \"critical\"\naction = \"restart\"\n"
                                     "[match]\nmessage = '^FATAL$'\n")
    rule = load_rule_file(tmp_path / "r.toml")
    assert rule.first_line_only
    assert match_rule(rule, "FATAL", None, {}) == {}
    assert match_rule(rule, "GET /?q=x\nFATAL", None, {}) is None  # smuggled newline in client data
    (tmp_path / "r.toml").write_text((tmp_path / "r.toml").read_text() + 'lines = "all"\n')
    assert match_rule(load_rule_file(tmp_path / "r.toml"), "GET /?q=x\nFATAL", None, {}) == {}


def test_huge_messages_are_matched_on_their_first_64_kib(tmp_path: Path):
    from logsentry.engine.detector import MAX_MATCH_CHARS, match_rule

    rule = load_rule_file(_rule_with(tmp_path, "error (?P<x>\\w+)") / "r.toml")
    assert match_rule(rule, "error head" + "x" * 10_000_000, None, {}) == {"x": "head" + "x" * (MAX_MATCH_CHARS - 10)}
    assert match_rule(rule, "y" * MAX_MATCH_CHARS + "error tail", None, {}) is None


def test_rules_check_respects_fields_and_priority():
    line = "Out of memory: Killed process 31337 (java) total-vm:8123456kB, anon-rss:7654321kB"
    plain = run_cli("rules", "check", line).stdout
    assert "no rule matches" in plain and "kernel-oom-kill would match with --field _TRANSPORT=kernel" in plain
    kernel = run_cli("rules", "check", "--field", "_TRANSPORT=kernel", line).stdout
    assert f"kernel-oom-kill (error, alert): {line}\n    pid = \"31337\"\n    command = \"java\"\n" in kernel
    assert run_cli("rules", "check", "--field", "oops", line).exit_code == 2


def test_rules_show_and_list():
    shown = run_cli("rules", "show", "ghc-mvar-deadlock")
    assert shown.exit_code == 0 and "suggested action: restart" in shown.stdout
    assert "(first line of each message)" in shown.stdout
    assert run_cli("rules", "show", "no-such-rule").exit_code == 2
    typo = run_cli("rules", "show", "ghc-mvar-deadlok")  # the id it probably meant, as config check says it
    assert typo.exit_code == 2 and "no rule with id 'ghc-mvar-deadlok' (did you mean 'ghc-mvar-deadlock'?)" \
        in typo.stderr, typo.stderr
    listed = run_cli("rules", "list", "-o", "json")
    ids = [line.split('"id":"')[1].split('"')[0] for line in listed.stdout.splitlines()]
    assert "ghc-mvar-deadlock" in ids and len(ids) == len(set(ids)) >= 60
    table = run_cli("rules", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "KIND", "SEVERITY", "ACTION", "TRIGGER", "TITLE"]
    kinds = {line.split()[0]: line.split()[1] for line in table[1:]}
    assert (kinds["ghc-mvar-deadlock"], kinds["unit-went-silent"], kinds["error-share-jump"]) == \
        ("signature", "absence", "anomaly")
    # an anomaly rule's trigger is its test (least count, factor over the learnt rate), not a count per window
    triggers = {line.split()[0]: line.split()[4:6] for line in table[1:]}
    assert triggers["error-rate-spike"] == ["20+", "x10"] and triggers["new-error-template"][0] == "new"
    shown = run_cli("rules", "show", "error-share-jump").stdout
    assert "anomaly: error-share" in shown and "tail probability below 1e-09" in shown


RESTART_RULES = [rule for rule in SHIPPED.rules if rule.action == "restart"]
CLIENT_CONTEXTS = [
    '10.0.0.7 - - [27/Nov/2026:00:00:00 +0000] "GET /search?q={line} HTTP/1.1" 404 12 "-" "curl/8"',
    "GET /{line} 404",
    "Failed password for invalid user {line} from 192.0.2.1 port 22 ssh2",
    'user "{line}" logged in',
    "request failed: {line!r}",
    "GET /x HTTP/1.1 400\n{line}",  # a newline smuggled into client data
]


@pytest.mark.parametrize("rule", RESTART_RULES, ids=lambda rule: rule.id)
def test_restart_rules_ignore_signatures_inside_client_data(rule):
    """Log text is attacker-controlled: a signature echoed inside a URL, a user name or a quoted value, or
    after a smuggled newline, must never trigger a rule that restarts services."""
    from logsentry.engine.detector import match_rule

    assert RESTART_RULES, "the library has restart rules"
    signatures = [sample.line for sample in rule.samples if sample.match]
    for line in signatures:
        for context in CLIENT_CONTEXTS:
            text = context.format(line=line)
            fields = {name: value for sample in rule.samples for name, value in sample.fields.items()}
            assert match_rule(rule, text, 6, fields) is None, text


def test_no_shipped_rule_that_restarts_gates_on_a_level():
    """A level read from text can be chosen by a client where a program prints client data before it (SECURITY.md:
    PostgreSQL's log_line_prefix); so no shipped rule that restarts a service gates on a level (nor an anomaly rule,
    all of which judge levels and alert)."""
    assert RESTART_RULES
    gated = [rule.id for rule in RESTART_RULES if rule.max_priority is not None or rule.anomaly is not None]
    assert gated == []


def test_keep_firing_for_zero_is_off(tmp_path: Path) -> None:
    """As in Prometheus, 0 turns keep_firing_for off (helper B: "0s" was refused as no duration)."""
    path = tmp_path / "r.toml"
    path.write_text('id = "r"\n' + VALID.replace("count = 2", 'count = 2\nkeep_firing_for = "0s"'))
    rule = load_rule_file(path)
    assert rule.trigger.keep_firing_for_usec == 0 and rule.trigger.hold_usec == rule.trigger.within_usec



def test_a_rule_written_under_a_table_is_one_error_naming_its_line(tmp_path: Path) -> None:
    """A new user wrote `[rule]` above the rule's keys: that gave five cascading errors (`rule: unknown key`,
    `id: missing`, `title: missing`, `severity: ... (got None)`, `match: nothing to match`) and no line. Now: one
    error, on the table's line, saying where the keys go; the rest of the file is checked as if they were there."""
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "x.toml").write_text('# mine\n[rule]\nid = "x"\ntitle = "X"\nseverity = "error"\n[match]\n'
                                  "message = 'boom'\n")
    done = run_cli("rules", "check", "--rules", str(rules), "boom")
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [
        f"{rules / 'x.toml'}: [rule] (line 2): unknown table; a rule's keys (id, title, severity, ...) go at the top "
        "of the file",
        "logsentry: 1 error in rule files; no line was checked"], done.stderr
    # its keys' own problems are still said, once, and `[[rule]]` twice is one rule too many per file
    (rules / "x.toml").write_text('[rule]\nid = "x"\ntitle = "X"\nseverity = "fatal"\n[match]\nmessage = "boom"\n')
    (rules / "y.toml").write_text('[[rule]]\nid = "a"\n[[rule]]\nid = "b"\n')
    done = run_cli("rules", "check", "--rules", str(rules), "boom")
    assert done.stderr.splitlines() == [
        f"{rules / 'x.toml'}: [rule] (line 1): unknown table; a rule's keys (id, title, severity, ...) go at the top "
        "of the file",
        f"{rules / 'x.toml'}: severity (line 4): expected one of info, warning, error, critical (got 'fatal')",
        f"{rules / 'y.toml'}: [[rule]] (line 1): unknown table; a rule file holds one rule, a rule's keys (id, title, "
        "severity, ...) at the top of the file (write one file per rule)",
        "logsentry: 3 errors in rule files; no line was checked"], done.stderr
    # a known table misspelt is that table, though its keys (`match = true`) share a rule key's name (a new user's
    # `[[samples]]` was told a rule's keys go at the top of the file)
    (rules / "y.toml").unlink()
    (rules / "x.toml").write_text('id = "x"\ntitle = "X"\nseverity = "error"\n[match]\nmessage = "boom"\n'
                                  '[[samples]]\nline = "boom"\nmatch = true\n')
    done = run_cli("rules", "check", "--rules", str(rules), "boom")
    assert done.stderr.splitlines()[0] == (
        f"{rules / 'x.toml'}: [[samples]] (line 6): unknown table (did you mean '[[sample]]'?), expected one of "
        "[match], [trigger], [absence], [anomaly], [[sample]], [[scenario]]"), done.stderr


def test_rule_errors_name_the_line_and_never_none(tmp_path: Path) -> None:
    """Where the key is written (its table's keys, a top-level key, a sample's header); a key not written is
    "missing", not Python's None; a look-alike inside a multi-line string is not taken for the key."""
    path = tmp_path / "r.toml"
    path.write_text('id = "r"\ntitle = """\nseverity = "x"\n"""\nsevirity = "error"\n[match]\nmessage = "B"\n'
                    'priority = "loud"\n[[sample]]\nline = "B"\n')
    with pytest.raises(RuleError) as caught:
        load_rule_file(path, "r.toml")
    assert caught.value.problems == [
        "r.toml: sevirity (line 5): unknown key (did you mean 'severity'?), expected one of absence, action, anomaly, "
        "description, id, match, references, resolve, sample, scenario, severity, title, trigger",
        "r.toml: match.priority (line 8): expected a priority 0-7 or one of emerg, alert, crit, err, warning, notice, "
        "info, debug (got 'loud')",
        "r.toml: sample #1 (line 9): match: missing, expected true or false"], caught.value.problems


def test_a_misnamed_table_is_said_as_a_table_once(tmp_path: Path) -> None:
    """`[matches]` was `matches: unknown key` among every scalar key, then `match: nothing to match`, its echo."""
    path = tmp_path / "r.toml"
    path.write_text('id = "r"\ntitle = "t"\nseverity = "error"\n[matches]\nmessage = "B"\n[[samples]]\nline = "B"\n')
    with pytest.raises(RuleError) as caught:
        load_rule_file(path, "r.toml")
    tables = "expected one of [match], [trigger], [absence], [anomaly], [[sample]], [[scenario]]"
    assert caught.value.problems == [
        f"r.toml: [matches] (line 4): unknown table (did you mean '[match]'?), {tables}",
        f"r.toml: [[samples]] (line 6): unknown table (did you mean '[[sample]]'?), {tables}"], caught.value.problems


def test_a_line_is_named_only_when_it_is_sure() -> None:
    """tomllib gives no positions, so tomlfile.key_line reads lines: a key of a dotted table (`[match.fields]`) is
    not its parent's, a look-alike inside a multi-line string is not the key (and a string full of them is given up
    on after a few parses, not parsed once per look-alike line)."""
    from logsentry.tomlfile import key_line

    text = 'id = 1\n[match]\nmessage = "x"\n[match.fields]\npriority = "x"\n'
    assert key_line(text, "match", "priority") is None and key_line(text, "match", "message") == 3
    assert key_line('d = """\n[match]\n"""\n[match]\n', "match", "") == 4
    crowded = 'd = """\n' + 'id = 1\n' * 5000 + '"""\nid = 2\n'
    assert key_line(crowded, "", "id") is None


def test_a_misspelt_key_is_one_error_not_two(tmp_path: Path) -> None:
    """`severty = "error"` was said twice: as an unknown key (did you mean 'severity'?) and as severity missing (a new
    user's trial). A key missing that no misspelling meant is still said."""
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "x.toml").write_text('id = "x"\ntitle = "X"\nseverty = "error"\n[match]\nmessage = "boom"\n')
    done = run_cli("rules", "check", "--rules", str(rules), "boom")
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [
        f"{rules / 'x.toml'}: severty (line 3): unknown key (did you mean 'severity'?), expected one of absence, "
        "action, anomaly, description, id, match, references, resolve, sample, scenario, severity, title, trigger",
        "logsentry: 1 error in rule files; no line was checked"], done.stderr
    (rules / "x.toml").write_text('id = "x"\ntitle = "X"\n[match]\nmessage = "boom"\n')
    done = run_cli("rules", "check", "--rules", str(rules), "boom")
    assert "severity: missing, expected one of" in done.stderr, done.stderr


def test_rule_directory_without_rule_files_is_refused(tmp_path: Path):
    """A --rules directory that holds no rule file (a copy that missed, a wrong folder) had scanned with
    "0 rules" and said "Nothing found"."""
    empty = tmp_path / "copied"
    empty.mkdir()
    (empty / "README").write_text("not a rule\n")
    log = tmp_path / "x.log"
    log.write_text("Dec 04 09:00:01 web01 myapp[1234]: could not open /etc/myapp/key.pem: permission denied\n")
    result = run_cli("scan", "--no-shipped-rules", "--rules", str(empty), "--file", str(log))
    assert result.exit_code == 2
    assert f"{empty}: no rule files (*.toml) in this directory" in result.stderr
    assert "Nothing found" not in result.stdout


def test_rules_show_gives_a_samples_fields():
    """The same line matches from PID 1 and not from the unit's own process: without the fields each sample gives,
    `rules show systemd-unit-failed` read as matching and ignoring one line (a second new user's try)."""
    shown = run_cli("rules", "show", "systemd-unit-failed").stdout
    assert "  matches: api.service: Failed with result 'exit-code'. (with _PID=1, " in shown, shown
    assert "  ignores: api.service: Failed with result 'exit-code'. (with _PID=4242, " in shown, shown
