"""The ssh rules against fail2ban's own annotated sshd samples (tests/data/fail2ban_sshd.tsv).

fail2ban labels each line of its sshd test logs with whether its filter must ban on it, and which address.
tests/data/fail2ban_sshd.tsv holds those lines as journald stores them (MESSAGE without the syslog header),
built by scripts/fail2ban_sshd_corpus.py: "flagged" lines fail2ban's default mode bans on, "never" lines no
mode of it bans on, "other-mode" lines only its ddos/extra modes flag (scanner noise: not for signatures).

Some flagged lines cannot be signatures of one line: fail2ban flags them by what the same connection said
before ("Accepted password" after failures, "Connection closed ... [preauth]", "Disconnecting: Too many
authentication failures" without an address). So the bar is a share, not all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.rules.loader import load_rules, shipped_rules_dir

CORPUS = Path(__file__).parent / "data" / "fail2ban_sshd.tsv"
MIN_SHARE = 0.80


@dataclass(frozen=True)
class Line:
    label: str
    address: str
    origin: str
    message: str


def read() -> list[Line]:
    lines = []
    for text in CORPUS.read_text(encoding="utf-8").splitlines():
        if text and not text.startswith("#"):
            label, address, origin, message = text.split("\t", 3)
            assert label in ("flagged", "never", "other-mode"), text
            lines.append(Line(label, address, origin, message))
    return lines


LINES = read()
RULES = load_rules([shipped_rules_dir()]).rules
SSH_RULES = {rule.id: rule for rule in RULES if rule.path.parent.name == "ssh"}


def hits(message: str) -> list:
    entry = Entry(realtime_usec=0, message=message, unit="ssh.service", priority=6, cursor="",
                  fields={"_TRANSPORT": "syslog", "_SYSTEMD_UNIT": "ssh.service", "SYSLOG_IDENTIFIER": "sshd",
                          "_PID": "4242", "_UID": "0", "_COMM": "sshd"})
    # error-burst counts every line at effective priority err (sshd's "error: ..." lines: PRIORITY 3 from syslog,
    # or the text's level at 6); it names no signature, so it is no hit here
    return [hit for hit in Detector(RULES).detect(entry) if hit.rule_id != "error-burst"]


def same_address(captured: str, labelled: str) -> bool:
    """fail2ban reports an IPv4-mapped IPv6 address as the IPv4 one."""
    return captured.removeprefix("::ffff:").lower() == labelled.removeprefix("::ffff:").lower()


def test_corpus_has_fail2bans_counts():
    counts = {label: sum(line.label == label for line in LINES) for label in ("flagged", "never", "other-mode")}
    assert counts["flagged"] == 132 and counts["never"] >= 80, counts


def test_ssh_rules_match_most_lines_fail2ban_flags_with_sshds_address():
    flagged = [line for line in LINES if line.label == "flagged"]
    matched, wrong_key = [], []
    for line in flagged:
        ssh_hits = [hit for hit in hits(line.message) if hit.rule_id in SSH_RULES]
        if ssh_hits:
            matched.append(line)
        for hit in ssh_hits:
            if line.address and not same_address(hit.key, line.address):
                wrong_key.append(f"{line.origin}: {hit.rule_id} keyed {hit.key!r}, fail2ban bans {line.address!r}")
    share = len(matched) / len(flagged)
    missed = [f"{line.origin}: {line.message}" for line in flagged if line not in matched]
    print(f"ssh rules match {len(matched)}/{len(flagged)} = {share:.1%} of the lines fail2ban's default mode flags")
    assert wrong_key == []
    assert share >= MIN_SHARE, "\n".join(missed)


@pytest.mark.parametrize("line", [line for line in LINES if line.label == "never"], ids=lambda line: line.origin)
def test_no_rule_matches_a_line_fail2ban_never_flags(line: Line):
    # (pam_unix's `authentication failure; ... rhost=` lines are never its sshd filter's, but its pam-generic filter
    # bans on them: filter.d/pam-generic.conf; rules/pam/pam-remote-auth-failures counts twenty in two minutes)
    assert [hit.rule_id for hit in hits(line.message) if hit.rule_id != "pam-remote-auth-failures"] == [], line.message


def test_the_key_is_never_an_address_inside_a_user_name():
    line = "Failed password for invalid user X from 192.0.2.1 port 22 ssh2: from 198.51.100.9 port 22 ssh2"
    assert [(hit.rule_id, hit.key) for hit in hits(line)] == [("sshd-password-brute-force", "192.0.2.1")]
    for message, key in [
        ("Failed password for invalid user a from 10.0.0.1 port 1 ssh2 from 198.51.100.9 port 22 ssh2",
         "198.51.100.9"),
        ("Failed password for invalid user a from 10.0.0.1 from 198.51.100.9 port 22 ssh2", "198.51.100.9"),
        ("Invalid user a from 10.0.0.1 port 1 from 198.51.100.9 port 22", "198.51.100.9"),
        ("Invalid user Failed password for root from 203.0.113.9 port 22 ssh2 from 198.51.100.9 port 22",
         "198.51.100.9"),
        ("error: PAM: Authentication failure for illegal user a from 10.0.0.1 via 10.0.0.2 from 198.51.100.9",
         "198.51.100.9"),
        ("Disconnecting invalid user a 10.0.0.1 port 1 198.51.100.9 port 22: Change of username or service not "
         "allowed: (a 10.0.0.1 port 1,ssh-connection) -> (b,ssh-connection) [preauth]", "198.51.100.9"),
    ]:
        assert [hit.key for hit in hits(message)] == [key], message
