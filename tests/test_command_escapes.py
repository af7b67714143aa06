"""The journalctl command names an entry's SYSLOG_IDENTIFIER (`-t`) when it has no unit, and any process sets that
field: a terminal escape in it must not reach an operator's terminal or an alert's text through the command, as
it does not through the unit name or the line (helper J's finding: `incidents` printed `lines:` raw, and the
alert's `see:` line and its Alertmanager annotation carried the command as it was)."""

from __future__ import annotations

import re

import pytest

from logsentry.actions.alert import body, incident_payload, journalctl_command
from logsentry.cli.incidents import _echo
from logsentry.model import Incident, Severity

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = "(\x1b]0;owned\x07evil\x1b[2J)"


def incident() -> Incident:
    return Incident("error-burst", Severity.ERROR, HOSTILE, "", 1_700_000_000_000_000, 1_700_000_001_000_000,
                    1_700_000_002_000_000, 5, 5, 60_000_000, "c", ("boom",), "alert", "", 0, "", "", "", "", (), 0)


def test_the_commands_identifier_is_log_text_with_its_escapes() -> None:
    """The control (the raw command has them: journalctl would look for that identifier)."""
    assert CONTROL.search(journalctl_command(incident()))


def test_an_alert_carries_the_command_without_its_control_characters() -> None:
    payload = incident_payload("firing", incident(), "observer", "why", source=("-D", "/var/log/journal/remote"))
    command = payload["journalctl"]
    assert command.startswith("journalctl -D /var/log/journal/remote -t ") and "evil" in command
    assert not CONTROL.search(command)
    text = body(payload)
    assert "see: journalctl" in text and not CONTROL.search(text.replace("\n", ""))


def test_incidents_prints_the_command_with_its_escapes_shown(capsys: pytest.CaptureFixture[str]) -> None:
    _echo(incident(), [], journalctl_command(incident()))
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("  lines: "))
    assert "journalctl" in line and "\\x1b" in line and not CONTROL.search(out.replace("\n", ""))
