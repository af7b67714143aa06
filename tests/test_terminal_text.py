"""Log text reaches the terminal as text: in the scan report, `tail --plain`, the live view and
logsentry's own log lines, escape sequences, BEL, C1 controls and bidi overrides from messages, captures
and unit names are shown escaped, and rich markup in them prints as written (never parsed)."""

from __future__ import annotations

import json
import logging
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import entry, run_cli
from test_service import BOOM_RULE, RunningService, config_text
from test_tail import TIMEOUT, _read_screen, _set_size

from logsentry.views.escape import EscapingFormatter, one_line, visible

TITLE = "\x1b]0;pwned\x07"  # set the window title
CLEAR = "\x1b[2J"  # clear the screen
LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
RLO = "\u202e"  # right-to-left override
HOSTILE_MESSAGE = f"BOOM {TITLE}title {CLEAR}clear {LINK} {RLO}desrever \x9b31mc1 \u2066isolate \x7fdel"
LINK_UNIT = "[link=https://evil.example/]api.service[/link]"
CLOSE_UNIT = "[/]"
QUIET_UNIT = f"[red]quiet{TITLE}.service[/red]"
FORGED_IDENT = "evil\x1b[31m\nFORGED line"  # no trusted unit: grouped under "(SYSLOG_IDENTIFIER)"
# The hostile sequences with their neighbours (a colour terminal has rich's own escape sequences too).
RAW = [b"\x1b]0;pwned", b"pwned\x07", b"\x1b[2Jclear", b"\x1b]8;;https://evil", b"\x1b\\click", RLO.encode(),
       "\u2066".encode(), "\x9b31m".encode(), b"\x7fdel", b"evil\x1b[31m"]
HOSTILE = [  # message, unit (_SYSTEMD_UNIT), other fields
    (HOSTILE_MESSAGE, LINK_UNIT, {}),
    ("BOOM close\nsecond line", CLOSE_UNIT, {}),
    (f"BOOM {RLO}ident", None, {"SYSLOG_IDENTIFIER": FORGED_IDENT}),
    ("BOOM", QUIET_UNIT, {}),  # quiet's alone (boom wants a word after it): a row of the below-threshold table
]

TRIGGER_RULES = {
    "boom": BOOM_RULE.format(action="alert", within="60s", group='group_by = "id"').replace(
        "'^BOOM (?P<id>\\S+)$'", "'^BOOM (?P<id>\\S+)'"),
    "quiet": BOOM_RULE.format(action="alert", within="60s", group="").replace(
        "'^BOOM (?P<id>\\S+)$'", "'^BOOM'").replace('id = "boom"', 'id = "quiet"').replace("count = 1", "count = 99"),
}


@pytest.fixture
def hostile_rules(tmp_path: Path) -> Path:
    """`boom` fires on every BOOM line (keyed on its first word, control characters and all), `quiet`
    stays below its threshold, so the report's table lists every unit too."""
    directory = tmp_path / "hostile-rules"
    directory.mkdir()
    for rule_id, text in TRIGGER_RULES.items():
        (directory / f"{rule_id}.toml").write_text(text)
    return directory


def hostile_entries() -> list[dict[str, str | bytes | int]]:
    return [entry(message, unit=unit, at=index, **fields) for index, (message, unit, fields) in enumerate(HOSTILE)]


def assert_escaped(output: bytes) -> None:
    for raw in RAW:
        assert raw not in output, (raw, output[max(output.find(raw) - 80, 0):output.find(raw) + 80])
    assert b"\\x1b]0;pwned\\x07" in output and b"\\u202e" in output


def test_visible_escapes_exactly_the_hidden_characters():
    hidden = [chr(c) for c in (*range(0x00, 0x09), *range(0x0a, 0x20), *range(0x7f, 0xa0))]
    hidden += ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202a, 0x202f)),
               *map(chr, range(0x2066, 0x206a))]
    for char in hidden:
        shown = visible(f"a{char}b")
        assert shown.isprintable() and shown.startswith("a\\") and shown.endswith("b"), repr(shown)
    plain = "tab\there, é, 日本語, emoji 🙂, [bold]markup[/bold], back\\slash"
    assert visible(plain) == plain
    assert visible("\x1b[2J\u202e") == "\\x1b[2J\\u202e"
    assert one_line("a\r\nb\nc\rd") == "a ⏎ b ⏎ c\\rd"


def test_log_lines_cannot_be_forged():
    record = logging.LogRecord("logsentry", logging.WARNING, __file__, 1, "incident on %s", (FORGED_IDENT,), None)
    line = EscapingFormatter("%(levelname)s %(message)s").format(record)
    assert line == "WARNING incident on evil\\x1b[31m\\nFORGED line"


def test_scan_report_prints_log_text_as_text(make_journal, hostile_rules):
    journal = make_journal(hostile_entries())
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "300"}  # a colour terminal, as an operator has
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--rules",
                           str(hostile_rules), "--no-shipped-rules"], capture_output=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode()
    assert_escaped(done.stdout)
    text = done.stdout.decode()
    assert LINK_UNIT in text and f"{CLOSE_UNIT} [close]" in text  # markup printed as written
    assert "(evil\\x1b[31m\\nFORGED line)" in text
    table = text.split("Matches below their trigger threshold")[1]
    assert "[red]quiet\\x1b]0;pwned\\x07" in table, table  # the unit's name escaped, its markup as written


def test_json_output_stays_exact(make_journal, hostile_rules):
    journal = make_journal(hostile_entries())
    result = run_cli("scan", "--file", str(journal), "--rules", str(hostile_rules), "--no-shipped-rules", "-o", "json")
    matches = [r for r in map(json.loads, result.stdout.splitlines()) if r["type"] == "match"]
    assert {(r["unit"], r["message"]) for r in matches if r["rule"] == "boom"} == {
        (LINK_UNIT, HOSTILE_MESSAGE), (CLOSE_UNIT, "BOOM close\nsecond line"),
        (f"({FORGED_IDENT})", f"BOOM {RLO}ident")}


def wait_for(path: Path, text: bytes, timeout: float = TIMEOUT) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in (content := path.read_bytes()):
            return content
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not written in {timeout}s: {path.read_bytes()!r}")


def test_tail_plain_prints_log_text_as_text(make_journal, hostile_rules, tmp_path):
    journal = make_journal(hostile_entries())
    out = tmp_path / "tail.out"
    with open(out, "wb") as stdout:
        tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "--file", str(journal), "-n", "10",
                                 "--plain", "--rules", str(hostile_rules), "--no-shipped-rules"],
                                stdout=stdout, stderr=subprocess.PIPE)
    try:
        wait_for(out, b"ident")
        tail.send_signal(signal.SIGINT)
        assert tail.wait(timeout=TIMEOUT) == 0
    finally:
        if tail.poll() is None:
            tail.kill()
    assert tail.stderr is not None and b"Traceback" not in tail.stderr.read()
    output = out.read_bytes()
    assert_escaped(output)
    lines = output.decode().splitlines()
    assert not any(line.startswith(("FORGED", "second line")) for line in lines), lines
    assert any(LINK_UNIT in line and "boom" in line for line in lines)
    assert any(line.endswith("BOOM close ⏎ second line") for line in lines)


def test_live_view_prints_log_text_as_text(live_journal, hostile_rules):
    master, slave = pty.openpty()
    _set_size(slave, 40, 160)
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(live_journal.directory),
                             "--rules", str(hostile_rules), "--no-shipped-rules"], stdout=slave, stdin=slave,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    os.close(slave)
    screen = bytearray()
    try:
        _read_screen(master, b"logsentry tail", screen)
        for message, unit, fields in HOSTILE:
            live_journal.write(message, unit=unit, **fields)
        _read_screen(master, b"FORGED line", screen)
        _read_screen(master, b"[/]", screen)
        tail.send_signal(signal.SIGINT)
        assert tail.wait(timeout=TIMEOUT) == 0
        _read_screen(master, b"\x00never", screen)
    finally:
        os.close(master)
        if tail.poll() is None:
            tail.kill()
    assert tail.stderr is not None and b"Traceback" not in tail.stderr.read()
    assert_escaped(bytes(screen))
    assert b"evil\\x1b[31m\\nFORGED line" in screen and b"[link=https://evil.example/]" in screen


def test_service_log_lines_cannot_be_forged(tmp_path, live_journal, hostile_rules):
    config = config_text(live_journal, hostile_rules).replace('units = ["app"]', 'units = ["*"]')
    service = RunningService(tmp_path, config)
    service.start()
    try:
        live_journal.write(f"BOOM {TITLE}", unit=None, SYSLOG_IDENTIFIER=FORGED_IDENT)
        log = service.wait_log("incident boom on (evil")
    finally:
        service.stop()
    assert "incident boom on (evil\\x1b[31m\\nFORGED line): 1 hit since" in log
    assert not any(line.startswith("FORGED") for line in log.splitlines())
    assert "\x1b" not in log
