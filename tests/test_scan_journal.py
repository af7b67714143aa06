"""`logsentry scan` on real journal files: unit matching, priority, time ranges, the JSON contract, exit codes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import BASE_USEC, entry, json_events, of_type, run_cli, simple_rule

from logsentry.timespec import format_usec


def scan_json(journal: Path, rules: Path, *extra: str) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "--rules", str(rules), "--no-shipped-rules", "-o", "json",
                     *extra)
    assert result.exit_code == 0, result.output
    return json_events(result)


def test_unit_selection_matches_journalctl_u(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    coredump = {"MESSAGE_ID": "fc2e22bc6ee647b6b90729ab34a250b1"}
    journal = make_journal([
        entry("BOOM from the service itself", unit="api.service", at=1),
        entry("BOOM from another service", unit="db.service", at=2),
        entry("api.service: BOOM said by systemd", unit="init.scope", at=3, _PID=1, UNIT="api.service"),
        entry("BOOM: UNIT= from a non-PID-1 process is not about api", unit="evil.service", at=4, _PID=4242,
              UNIT="api.service"),
        entry("Process 99 (api) dumped core. BOOM", unit="systemd-coredump@0.service", at=5, _UID=0,
              COREDUMP_UNIT="api.service", **coredump),
        entry("BOOM object unit from root", unit="systemd-logind.service", at=6, _UID=0,
              OBJECT_SYSTEMD_UNIT="api.service"),
        entry("BOOM object unit from a user", unit="other.service", at=7, _UID=1000,
              OBJECT_SYSTEMD_UNIT="api.service"),
        entry("Process 1 (api) dumped core. BOOM forged by a user", unit="session-2.scope", at=8, _UID=65534,
              COREDUMP_UNIT="api.service", **coredump),
        entry("BOOM COREDUMP_UNIT from root without the coredump id", unit="cron.service", at=9, _UID=0,
              COREDUMP_UNIT="api.service"),
    ])
    matches = of_type(scan_json(journal, rules_dir, "-u", "api"), "match")
    expected = ["BOOM from the service itself", "api.service: BOOM said by systemd",
                "Process 99 (api) dumped core. BOOM", "BOOM object unit from root"]
    assert [m["message"] for m in matches] == expected
    assert {m["unit"] for m in matches} == {"api.service"}
    # The same set as journalctl's own -u (systemd's add_matches_for_unit), run on the same file.
    shown = subprocess.run(["journalctl", "--file", str(journal), "-u", "api.service", "-o", "cat"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    assert shown == expected
    everything = of_type(scan_json(journal, rules_dir), "match")
    assert len(everything) == 9
    units = {m["message"]: m["unit"] for m in everything}
    assert units["BOOM from another service"] == "db.service"
    assert units["Process 1 (api) dumped core. BOOM forged by a user"] == "session-2.scope"
    assert units["BOOM COREDUMP_UNIT from root without the coredump id"] == "cron.service"


def test_several_units_and_full_names(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    journal = make_journal([entry("BOOM", unit=u, at=i) for i, u in
                            enumerate(["a.service", "b.socket", "c.service", "b.service"])])
    matches = of_type(scan_json(journal, rules_dir, "-u", "a", "-u", "b.socket"), "match")
    assert [m["unit"] for m in matches] == ["a.service", "b.socket"]


def test_priority_filter(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    journal = make_journal([entry(f"BOOM at {p}", at=p, priority=p) for p in range(8)])
    assert [m["priority"] for m in of_type(scan_json(journal, rules_dir, "-p", "err"), "match")] == [0, 1, 2, 3]
    assert [m["priority"] for m in of_type(scan_json(journal, rules_dir, "-p", "4"), "match")] == [0, 1, 2, 3, 4]
    ranged = of_type(scan_json(journal, rules_dir, "-p", "warning..err"), "match")
    assert [m["priority"] for m in ranged] == [3, 4]
    combined = of_type(scan_json(journal, rules_dir, "-p", "err", "-u", "app"), "match")
    assert [m["priority"] for m in combined] == [0, 1, 2, 3]


def test_since_and_until(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    journal = make_journal([entry(f"BOOM {minute}", at=minute * 60) for minute in range(10)])
    since = format_usec(BASE_USEC + 3 * 60_000_000)[:16]  # "YYYY-MM-DD HH:MM" in local time
    until = format_usec(BASE_USEC + 6 * 60_000_000)[:16]
    matches = of_type(scan_json(journal, rules_dir, "--since", since, "--until", until), "match")
    assert [m["message"] for m in matches] == ["BOOM 3", "BOOM 4", "BOOM 5", "BOOM 6"]
    recent = of_type(scan_json(journal, rules_dir, "--since", "-1h"), "match")
    assert recent == []  # the fixture lies in the past
    assert len(of_type(scan_json(journal, rules_dir, "--since", "2020-01-01"), "match")) == 10


def test_bad_time_is_usage_error(make_journal, rules_dir, write_rule):
    write_rule("boom", simple_rule())
    journal = make_journal([entry("BOOM")])
    result = run_cli("scan", "--file", str(journal), "--since", "last tuesday-ish")
    assert result.exit_code == 2
    assert "expected a time like" in result.output


def test_a_bad_time_names_its_option_alone_and_a_span_without_its_sign_is_asked_about(make_journal):
    """`--since 1h` was told "Invalid value for '--since' / '--until'", naming an option not given, and not that
    "-1h" is an hour ago (newuser76's 13)."""
    journal = make_journal([entry("hello")])
    since = " ".join(run_cli("scan", "--file", str(journal), "--since", "1h").stderr.split())
    assert "Invalid value for '--since': expected a time like" in since and "'--until'" not in since, since
    assert since.endswith('(got \'1h\'); did you mean "-1h" (1h ago)?'), since
    until = " ".join(run_cli("scan", "--file", str(journal), "--until", "2026-13-01").stderr.split())
    assert "Invalid value for '--until': " in until and "did you mean" not in until, until


def test_json_contract(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule(count=2, within="10s").replace('action = "alert"', 'action = "restart"'))
    journal = make_journal([entry("BOOM one", at=0, priority=3), entry("BOOM two", at=5, priority=3),
                            entry("quiet", at=6)])
    events = scan_json(journal, rules_dir)
    first = of_type(events, "match")[0]
    assert set(first) >= {"type", "rule", "severity", "unit", "realtime_usec", "cursor", "priority", "message"}
    assert first["rule"] == "boom" and first["severity"] == "error" and first["unit"] == "app.service"
    assert first["realtime_usec"] == BASE_USEC and first["priority"] == 3 and first["message"] == "BOOM one"
    assert first["cursor"].startswith("s=")
    [incident] = of_type(events, "incident")
    assert incident["rule"] == "boom" and incident["count"] == 2 and incident["realtime_usec"] == BASE_USEC + 5_000_000
    assert incident["first_usec"] == BASE_USEC
    actions = of_type(events, "action")
    assert [(a["action"], a["unit"], a["dry_run"]) for a in actions] == [
        ("restart", "app.service", True), ("alert", "app.service", True)]
    # Order: the incident follows the match that fired it, actions follow the incident.
    kinds = [e["type"] for e in events]
    assert kinds.index("incident") == kinds.index("match") + 2 and kinds[kinds.index("incident") + 1] == "action"
    assert events[-1]["type"] == "summary" and events[-1]["entries"] == 3


def test_cursor_resumes_at_the_entry(make_journal, write_rule, rules_dir):
    """The cursor in a match really names that entry (journalctl --cursor shows it first)."""
    import subprocess

    write_rule("boom", simple_rule())
    journal = make_journal([entry("first"), entry("BOOM here", at=1), entry("after", at=2)])
    [match] = of_type(scan_json(journal, rules_dir), "match")
    shown = subprocess.run(["journalctl", "--file", str(journal), "--cursor", match["cursor"], "-o", "cat", "-n",
                            "1", "--no-pager"], capture_output=True, text=True, check=True)
    assert shown.stdout.strip().splitlines()[0] == "BOOM here"


def test_exit_codes_and_fail_on(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    journal = make_journal([entry("BOOM")])
    base = ("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules")
    assert run_cli(*base).exit_code == 0
    assert run_cli(*base, "--fail-on", "error").exit_code == 3
    assert run_cli(*base, "--fail-on", "warning").exit_code == 3
    assert run_cli(*base, "--fail-on", "critical").exit_code == 0
    assert run_cli(*base, "--fail-on", "bogus").exit_code == 2
    assert run_cli("scan", "--file", str(journal.parent / "missing.journal")).exit_code == 2


def test_fail_on_holds_when_the_reader_of_stdout_left(make_journal, write_rule, rules_dir):
    """`scan --fail-on error | head -1`: the report meets a closed pipe, the exit status still says what was found
    (it was 0: helper F8's finding); -o json's too."""
    import sys

    write_rule("boom", simple_rule())
    journal = make_journal([entry(f"BOOM {n}", at=n) for n in range(3)])
    for output in ("report", "json"):
        scan = subprocess.Popen([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--rules",
                                 str(rules_dir), "--no-shipped-rules", "--fail-on", "error", "-o", output],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert scan.stdout is not None and scan.stderr is not None
        scan.stdout.close()  # the reader is gone before the first line
        assert scan.wait(timeout=60) == 3, (output, scan.stderr.read())
        assert b"Traceback" not in scan.stderr.read()


def test_broken_rule_file_exits_2_listing_every_error(make_journal, write_rule, rules_dir):
    write_rule("good", simple_rule())
    write_rule("bad", simple_rule(regex="(unclosed", within="60 secs"))
    write_rule("worse", 'title = "x"\nseverity = "fatal"\n[match]\nmessage = "ok"\n')
    journal = make_journal([entry("BOOM")])
    result = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules")
    assert result.exit_code == 2
    assert "rules/test/bad.toml: match.message (line 7): invalid regular expression" in result.stderr
    assert 'rules/test/bad.toml: trigger.within (line 10): expected a duration like "90s"' in result.stderr
    assert "(got '60 secs')" in result.stderr
    assert "rules/test/worse.toml: severity (line 3): expected one of info, warning, error, critical (got 'fatal')" \
        in result.stderr
    assert "3 errors in rule files; nothing was scanned" in result.stderr
    tested = run_cli("rules", "test", str(rules_dir))
    assert tested.exit_code == 2 and "3 errors in rule files; no rule was tested" in tested.stderr
    # `rules test` takes --rules as `rules check`, `show`, `list` and `scan` do (it took PATHS only: "No such
    # option '--rules'" for a new user who had just run `rules check --rules DIR`)
    assert run_cli("rules", "test", "--rules", str(rules_dir)).stderr == tested.stderr
    assert result.stdout == ""


def test_rules_test_takes_rules_as_the_other_rules_commands_do(write_rule, rules_dir):
    write_rule("boom", simple_rule(regex="^BOOM$") + '[[sample]]\nline = "BOOM"\nmatch = true\n'
                                                    '[[sample]]\nline = "GET /BOOM 404"\nmatch = false\n')
    tested = run_cli("rules", "test", "--rules", str(rules_dir))
    assert tested.exit_code == 0, tested.stderr
    assert tested.stdout.startswith("1 rule, ") and tested.stdout.endswith(" passed, 0 failed\n")


def test_report_output_names_incidents(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule(count=3, within="10s"))
    journal = make_journal([entry("BOOM", at=t) for t in (0, 1, 2, 30, 31)])
    result = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules")
    assert result.exit_code == 0
    assert "5 entries" in result.stdout and "1 incident" in result.stdout and "1 incidents" not in result.stdout
    assert "app.service" in result.stdout and "boom" in result.stdout


def test_directory_option_reads_all_files(make_journal, write_rule, rules_dir, tmp_path: Path):
    write_rule("boom", simple_rule())
    folder = tmp_path / "copied"
    folder.mkdir()
    make_journal([entry("BOOM a", at=0)], name="copied/a.journal")
    make_journal([entry("BOOM b", at=1, unit="b.service")], name="copied/b.journal")
    result = run_cli("scan", "-D", str(folder), "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json")
    assert sorted(m["message"] for m in of_type(json_events(result), "match")) == ["BOOM a", "BOOM b"]


def test_bytes_and_multiline_messages(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule(regex="^BOOM (?P<what>\\S+)$"))
    journal = make_journal([
        entry(b"BOOM caf\xff\xfe", at=0),
        entry("Traceback (most recent call last):\n  File \"x.py\"\nBOOM inside\nmore", at=1),
        entry("prefix BOOM notanchored", at=2),
    ])
    matches = of_type(scan_json(journal, rules_dir), "match")
    assert len(matches) == 2
    assert matches[0]["message"] == "BOOM caf\ufffd\ufffd"
    assert matches[1]["captures"] == {"what": "inside"}


def test_run_as_module(make_journal, tmp_path: Path):
    import subprocess
    import sys

    journal = make_journal([entry("cachix-server: thread blocked indefinitely in an MVar operation")])
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "-o", "json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '"rule":"ghc-mvar-deadlock"' in done.stdout


def test_local_journal_is_read_or_its_absence_said():
    """With no --file/--directory the local journal is read (whatever it holds here); a machine with no
    journal file to read gets an error saying so, never "0 entries, nothing found"."""
    from logsentry.sources.journal import LOCAL_JOURNAL_DIRS, unreadable_reason

    result = run_cli("scan", "--since", "-1min", "-o", "json")
    if unreadable_reason(LOCAL_JOURNAL_DIRS) is None:
        assert result.exit_code == 0, result.output
        assert json_events(result)[-1]["type"] == "summary"
    else:
        assert result.exit_code == 2 and "cannot read a journal" in result.output, result.output


def test_a_directory_without_a_readable_journal_is_an_error(tmp_path: Path):
    empty = tmp_path / "journal"
    empty.mkdir()
    result = run_cli("scan", "-D", str(empty), "-o", "json")
    assert result.exit_code == 2 and f"{empty}: cannot read a journal: no journal files in it" in result.output
    # with -u or -H, that alone: not first a warning that the unit is in no entry "of this journal" (helper-190)
    named = run_cli("scan", "-D", str(empty), "-u", "cron", "-H", "web1")
    assert named.exit_code == 2 and "no journal files in it" in named.output, named.output
    assert "selects nothing" not in named.output, named.output
    from logsentry.sources.journal import unreadable_reason  # the local journal's two places: "in either"
    assert unreadable_reason((empty, tmp_path)) == "no journal files in either"
    (empty / "system.journal").write_bytes(b"this is no journal file at all")
    result = run_cli("scan", "-D", str(empty), "-o", "json")
    assert result.exit_code == 2 and "system.journal: not a journal file" in result.output


_: Callable[..., object] = scan_json


def test_journald_suppression_makes_counts_lower_bounds(make_journal, write_rule, rules_dir):
    """journald's real "Suppressed N messages" entry (fields as systemd 252 writes them) is attributed to the
    flooding unit: the unit's burst count becomes a lower bound, and the suppression is itself an incident."""
    write_rule("boom", simple_rule(count=3, within="10s"))
    suppressed = entry("Suppressed 463 messages from spam.service", unit="systemd-journald.service", at=3,
                       _TRANSPORT="driver", _UID=0, _PID=73, MESSAGE_ID="a596d6fe7bfa4994828e72309e95d61e",
                       N_DROPPED=463, OBJECT_PID=72, OBJECT_SYSTEMD_UNIT="spam.service",
                       OBJECT_SYSTEMD_INVOCATION_ID="1a5b6b3cbba54f0e86ace4c7cdebbc1c")
    journal = make_journal([entry(f"BOOM {i}", unit="spam.service", at=i * 0.1) for i in range(12)]
                           + [suppressed, entry("quiet", unit="other.service", at=40)])
    result = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "-o", "json", "-u", "spam")
    events = json_events(result)
    [ended] = [e for e in of_type(events, "incident_end") if e["rule"] == "boom"]
    assert ended["count"] == 12 and ended["count_is_lower_bound"] and ended["dropped"] == 463
    [flood] = [e for e in of_type(events, "incident") if e["rule"] == "journald-suppressed"]
    assert flood["unit"] == "spam.service"
    report = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "-u", "spam")
    assert "at least 12 matching lines in all" in " ".join(report.stdout.replace("│", " ").split())


def test_screened_reading_finds_exactly_what_full_reading_finds(make_journal):
    """The fast path (entries no rule can match are read as MESSAGE, PRIORITY and unit only) must not
    change a single event, across the kinds of entries that speak for other units."""
    from logsentry.engine.detector import Detector
    from logsentry.pipeline import Pipeline
    from logsentry.rules.loader import load_rules, shipped_rules_dir
    from logsentry.sources import Selection, open_entries
    from logsentry.views.jsonl import event_record

    lines = [
        entry("GET / 200", at=0), entry("cachix: thread blocked indefinitely in an MVar operation", at=1),
        entry("x.service: Failed with result 'exit-code'.", unit="init.scope", at=2, _PID=1, UNIT="x.service",
              MESSAGE_ID="d9b373ed55a64feb8242e02dbe79a49c"),
        entry("Out of memory: Killed process 7 (java)", unit=None, at=3, _TRANSPORT="kernel"),
        entry("Suppressed 9 messages from app.service", unit="systemd-journald.service", at=4, _UID=0,
              _TRANSPORT="driver", MESSAGE_ID="a596d6fe7bfa4994828e72309e95d61e", N_DROPPED=9,
              OBJECT_SYSTEMD_UNIT="app.service"),
        entry("database error: connection reset", at=5, priority=3),
        # a rhythm is trusted once its gaps cover a day (engine/rhythm.py): every 10 s for a day
        *[entry(f"tick {i}", unit="ticker.service", at=6 + 10 * i) for i in range(8650)],
        entry("later", unit="other.service", at=86_400 + 5000),
    ]
    journal = make_journal(lines)
    detector = Detector(load_rules([shipped_rules_dir()]).rules)

    def events(screen: bool) -> list[dict]:
        source = open_entries(Selection(), files=[journal], extra_fields=detector.needed_fields,
                              screen=detector.screen() if screen else None)
        return [event_record(event) for event in Pipeline(Detector(detector.rules.values())).run(source)]

    full, screened = events(screen=False), events(screen=True)
    assert {e["rule"] for e in full if e["type"] == "incident"} >= {
        "ghc-mvar-deadlock", "systemd-unit-failed", "kernel-oom-kill", "journald-suppressed", "unit-went-silent"}
    for event in full + screened:  # a silence's last sign of life may have been screened: no cursor then
        if event.get("rule") == "unit-went-silent" and "cursor" in event:
            event["cursor"] = ""
    assert screened == full


def test_report_lists_the_busiest_matches_below_threshold_and_counts_the_rest(make_journal, write_rule, rules_dir):
    """Thousands of one-off keys (client addresses) must not swamp the report: the busiest 30 are listed."""
    write_rule("knock", 'title = "knock"\nseverity = "warning"\naction = "alert"\n[match]\n'
               "message = '^knock from (?P<ip>\\S+)$'\n[trigger]\ncount = 100\nwithin = \"60s\"\ngroup_by = \"ip\"\n"
               '[[sample]]\nline = "knock from 1.2.3.4"\nmatch = true\n[[sample]]\nline = "knock"\nmatch = false\n')
    lines = [entry(f"knock from 192.0.2.{n}", at=n) for n in range(60)]
    lines += [entry("knock from 198.51.100.7", at=100 + n) for n in range(5)]
    result = run_cli("scan", "--file", str(make_journal(lines)), "--rules", str(rules_dir), "--no-shipped-rules")
    text = " ".join(result.stdout.split())
    assert "198.51.100.7" in text  # the busiest key is shown
    assert "... and 31 more below threshold (31 matches)" in text, text[-400:]


def test_a_selection_that_matches_nothing_is_no_all_clear(make_journal, write_rule, rules_dir):
    write_rule("boom", simple_rule())
    journal = make_journal([entry("all good", unit="api.service", at=1)])
    typo = " ".join(run_cli("scan", "--file", str(journal), "-u", "nosuch", "--rules", str(rules_dir)).stdout.split())
    assert "No entry matched the selection" in typo and "Nothing found" not in typo
    fine = " ".join(run_cli("scan", "--file", str(journal), "-u", "api", "--rules", str(rules_dir)).stdout.split())
    assert "Nothing found by the signature rules." in fine  # one entry: too little history for the anomaly rules
    assert "for error-share-jump, 1h or more for the other " in fine and ") judged nothing here" in fine


def test_the_span_read_never_runs_backwards(make_journal, write_rule, rules_dir):
    """A last entry stamped before the first (a back-dated line appended last): the summary's span is the
    earliest and the latest time read; it said 'from 05:00:55 to 04:59:55' (helper F8's finding)."""
    write_rule("boom", simple_rule())
    journal = make_journal([entry("first", at=60), entry("second", at=61), entry("back-dated", at=0)])
    [summary] = of_type(scan_json(journal, rules_dir), "summary")
    assert summary["first_usec"] <= summary["last_usec"] == BASE_USEC + 61_000_000, summary
    # a line read in full (a candidate: it matches) counts at its own time, however late it comes
    journal = make_journal([entry("first", at=60), entry("second", at=61), entry("BOOM back-dated", at=0)])
    [summary] = of_type(scan_json(journal, rules_dir), "summary")
    assert (summary["first_usec"], summary["last_usec"]) == (BASE_USEC, BASE_USEC + 61_000_000), summary


def test_a_host_without_a_journal_says_what_to_check_and_how_to_read_a_log(tmp_path: Path, monkeypatch):
    """`scan` on a machine with no journal file said only "no journal files in either", where `config check` and
    `tail` ask whether journald runs; a new user in a container had a log to read, with --file (nu76's 18)."""
    from logsentry.sources import journal

    monkeypatch.setattr(journal, "LOCAL_JOURNAL_DIRS", (tmp_path / "var", tmp_path / "run"))
    result = run_cli("scan", "--since", "-1h")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "cannot read a journal: no journal files in either" in said, said
    assert "(is systemd-journald running, is this user in the systemd-journal group? a log file or a copied journal " \
           "is read with --file PATH, a directory of journal files with -D DIR)" in said, said
    empty = tmp_path / "logs"
    empty.mkdir()
    named = " ".join(run_cli("scan", "-D", str(empty)).stderr.split())
    assert "no journal files in it (a log file, or a journal file copied on its own, is read with --file PATH)" \
        in named, named
