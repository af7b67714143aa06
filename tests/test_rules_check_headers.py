"""`logsentry rules check` takes each line as a MESSAGE, as rules see it: a syslog file's or journalctl's line has a
header (time, host, identifier) before its message, which the scan reads as the entry's fields. Checked as it was,
a real nginx failure's line matched nothing and nothing said why (helper-179 checked a syslog file that `scan
--file` found three failures in, and was told "no rule matches" for every line): it now says where the message
starts, and how to check it or scan the file."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

MESSAGE = "2026/12/05 10:00:00 [emerg] 812#812: bind() to 0.0.0.0:80 failed (98: Address already in use)"


def test_a_syslog_lines_header_is_named_where_no_rule_matches(tmp_path: Path) -> None:
    lines = tmp_path / "syslog"
    lines.write_text(f"Dec  5 09:59:58 web systemd[1]: Starting nginx.service - A web server...\n"
                     f"Dec  5 10:00:00 web nginx[812]: {MESSAGE}\n")
    done = run_cli("rules", "check", "--file", str(lines))
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("no rule matches\n")
    assert "line 1 starts with a syslog or journalctl header" in done.stdout
    assert "logsentry scan --file" in done.stdout
    # the message alone matches the rule the scan fires, and no hint is given
    alone = run_cli("rules", "check", MESSAGE)
    assert "nginx-emerg (critical, alert)" in alone.stdout and "header" not in alone.stdout
    scanned = run_cli("scan", "--file", str(lines), "-o", "json")
    assert '"rule":"nginx-emerg"' in scanned.stdout


def test_a_line_without_a_header_gets_no_such_hint() -> None:
    done = run_cli("rules", "check", "all good: 12 requests served")
    assert done.stdout.startswith("no rule matches\n") and "header" not in done.stdout


def test_a_rule_written_for_the_tag_before_the_message_is_told_so(tmp_path: Path) -> None:
    """README's example regex starts with an optional `program: `; a new user wrote `^acmed: ...`, its samples written
    alike passed `rules test`, and no real line matched it (the identifier is no part of a journal's MESSAGE)."""
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "acmed-stalled.toml").write_text(
        'id = "acmed-stalled"\ntitle = "acmed stalled"\nseverity = "error"\n[match]\n'
        "message = '^acmed: dispatcher stalled, (?P<jobs>\\d+) jobs waiting$'\n[trigger]\ncount = 1\nwithin = \"1m\"\n")
    done = run_cli("rules", "check", "--rules", str(rules), "--no-shipped-rules",
                   "Dec 05 10:00:00 app1 acmed[12]: dispatcher stalled, 42 jobs waiting")
    said = " ".join(done.stdout.split())
    assert "acmed-stalled matches 'acmed: dispatcher stalled, 42 jobs waiting' but not the message alone" in said, said
    assert "anchor the rule on the message" in said
    done = run_cli("rules", "check", "--rules", str(rules), "--no-shipped-rules",
                   "Dec 05 10:00:00 app1 other[12]: dispatcher stalled, 42 jobs waiting")
    assert "but not the message alone" not in done.stdout  # (another program's line: not this rule's)
