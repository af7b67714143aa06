"""Alert text built from attacker-controlled log lines: control and bidi characters neutralised, length
bounded, and the payload is data (JSON, plain text), never a template or markup."""

from __future__ import annotations

from dataclasses import replace

from logsentry.actions.alert import body, clean, incident_payload, title
from logsentry.actions.channels import alertmanager_alert
from logsentry.model import Incident, Severity, incident_label


def incident(message: str) -> Incident:
    return Incident(rule_id="boom", severity=Severity.CRITICAL, unit="api.service", key="", first_usec=1,
                    fired_usec=1, last_usec=2, count=3, threshold=1, within_usec=60_000_000, cursor="c",
                    samples=(message,), action="alert")


def test_control_and_bidi_characters_are_neutralised():
    hostile = "ok\x1b[2J\x1b]0;pwned\x07 \u202etxt.exe\r\nforged: line"
    cleaned = clean(hostile)
    assert "\x1b" not in cleaned and "\x07" not in cleaned and "\u202e" not in cleaned and "\r" not in cleaned
    assert cleaned.count("\n") == 1  # newlines stay (tracebacks), carriage returns and escapes do not
    assert len(clean("x" * 10_000)) == 500
    for char in "\x9b\x85\u061c\u200e\u200f\u2028\u2029\u2066":  # C1 controls, marks, separators, isolates
        assert clean(f"a{char}b") == "a\ufffdb"


def test_payload_and_renderings_carry_log_text_as_data():
    line = "{{7*7}} ${jndi:ldap://x/a} %s %(host)s <script>alert(1)</script> @channel"
    payload = incident_payload("firing", incident(line), "web01", "critical incident", context=[line], source=())
    assert payload["message"] == line and payload["context"] == [line]
    text = body(payload)
    assert line in text and "49" not in text  # nothing was evaluated or formatted
    assert title(payload) == "[logsentry web01] CRITICAL api.service: boom"
    am = alertmanager_alert(payload)
    assert am["labels"] == {"alertname": "logsentry_boom", "unit": "api.service", "rule": "boom",
                            "severity": "critical", "host": "web01", "incident": payload["incident"]}
    assert line in am["annotations"]["description"]




def test_each_open_incident_is_its_own_alert_in_every_event():
    """Two incidents of one rule on one unit and host (the same key) differ by their first hit or their machine:
    their alerts differ in the `incident` label and field, and an incident's firing, reminder, re-send and
    resolve all carry the same one (Alertmanager matches a resolve to its alert by the label set)."""
    first, second = incident("BOOM 1"), replace(incident("BOOM 2"), first_usec=5, fired_usec=5, last_usec=6)
    other_host = replace(first, machine_id="b" * 32)
    ids = {incident_payload("firing", each, "web01", "r", source=())["incident"]
           for each in (first, second, other_host)}
    assert len(ids) == 3
    keyed = [alertmanager_alert(incident_payload("firing", replace(first, key=key), "web01", "r", source=()))["labels"]
             for key in ("10.0.0.1", "10.0.0.2")]  # a group_by rule's two keys: told apart by `key` already
    assert keyed[0]["key"] != keyed[1]["key"] and keyed[0]["incident"] != keyed[1]["incident"]
    events = (("firing", 3, 2), ("reminder", 9, 40), ("refresh", 9, 40), ("resolved", 12, 90))
    labels = [alertmanager_alert(incident_payload(event, replace(first, count=count, last_usec=last), "web01", "r",
                                                  source=()))["labels"] for event, count, last in events]
    assert all(each == labels[0] for each in labels) and labels[0]["incident"] == incident_label(first)
    said = body(incident_payload("resolved", second, "web01", "no new hit", source=()))
    assert f"\nincident: {incident_label(second)}\n" in f"{said}\n"  # what an apprise (json://, mail) reader sees
