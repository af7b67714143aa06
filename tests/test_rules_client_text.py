"""Log text is client data: a shipped signature's trigger text echoed by another program (an access log's
request path, query, referer or User-Agent, an HAProxy captured header, nginx's 404 error line, a user name or
disconnect reason sshd writes, a line that ends with the client's path (Apache's error log, Django's request
logger), a JSON value or nested object, a logfmt quoted value) must fire no signature.

Each rule's own matching samples are embedded, as those programs write them (nginx's and Apache's escaping of
quotes, sshd's 100-character cut), in lines carrying the journal fields those programs' entries carry; the lines
go through the real Detector with every shipped rule. A rule whose regex takes any message (error-burst: every
line at error level counts) is no signature of a text and is left out; so are the ssh rules for sshd's lines
(a strange user name is still sshd's own event).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from logsentry.engine.detector import Detector, takes_any_message
from logsentry.model import Entry
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import Rule

RULES = load_rules([shipped_rules_dir()]).rules
SIGNATURES = [rule for rule in RULES if rule.absence is None and rule.anomaly is None and not takes_any_message(rule)]
DETECTOR = Detector(SIGNATURES)
STAMP = "[04/Dec/2026:10:00:00 +0000]"


def nginx_escaped(text: str) -> str:
    """nginx's access log (escape=default) writes ", \\ and bytes below 0x20 or above 0x7e as \\xXX."""
    return "".join(f"\\x{ord(char):02X}" if char in '"\\' or not 0x20 <= ord(char) < 0x7F else char for char in text)


def apache_escaped(text: str) -> str:
    """Apache's mod_log_config writes " and \\ with a backslash, control characters as \\n, \\t, \\xhh."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")


@dataclass(frozen=True)
class Context:
    name: str
    own_rules: str
    """the rules/ folder whose rules take this line as its program's own event (sshd's failed login of a user
    with a strange name is still a failed login), or """""
    fields: dict[str, str]
    priority: int
    line: Callable[[str], str]


NGINX = {"_SYSTEMD_UNIT": "nginx.service", "_COMM": "nginx", "SYSLOG_IDENTIFIER": "nginx", "_TRANSPORT": "stdout"}
APACHE = {"_SYSTEMD_UNIT": "apache2.service", "_COMM": "apache2", "_TRANSPORT": "stdout"}
HAPROXY = {"_SYSTEMD_UNIT": "haproxy.service", "_COMM": "haproxy", "SYSLOG_IDENTIFIER": "haproxy",
           "_TRANSPORT": "syslog"}
SSHD = {"_SYSTEMD_UNIT": "ssh.service", "_COMM": "sshd", "SYSLOG_IDENTIFIER": "sshd", "_TRANSPORT": "syslog"}
APP = {"_SYSTEMD_UNIT": "api.service", "_COMM": "api", "_TRANSPORT": "stdout"}


def nested(level: str) -> Callable[[str], str]:
    """A JSON logger's line with a client's request body as a nested object (as parsed JSON when it is one)."""
    def line(text: str) -> str:
        try:
            body = json.loads(text)
        except ValueError:
            body = {"msg": text, "error": text, "level": "error"}
        return json.dumps({"time": "2026-12-04T10:00:00Z", "level": level, "msg": "request", "body": body})
    return line


CONTEXTS = [
    Context("nginx User-Agent", "", NGINX, 6, lambda text:
            f'203.0.113.9 - - {STAMP} "GET / HTTP/1.1" 200 612 "-" "{nginx_escaped(text)}"'),
    Context("nginx request path", "", NGINX, 6, lambda text:
            f'203.0.113.9 - - {STAMP} "GET /{nginx_escaped(text)} HTTP/1.1" 404 153 "-" "curl/8.5.0"'),
    Context("nginx query", "", NGINX, 6, lambda text:
            f'203.0.113.9 - - {STAMP} "GET /search?q={quote(text)} HTTP/1.1" 200 12 "-" "curl/8.5.0"'),
    Context("Apache referer and User-Agent", "", APACHE, 6, lambda text:
            f'203.0.113.9 - - {STAMP} "GET / HTTP/1.1" 200 45 "{apache_escaped(text)}" "{apache_escaped(text)}"'),
    Context("HAProxy captured header", "", HAPROXY, 6, lambda text:
            f"203.0.113.9:51234 [04/Dec/2026:10:00:00.123] fe_http be_app/app1 0/0/1/2/3 200 512 - - ---- "
            f'1/1/0/0/0 0/0 {{{text}}} "GET / HTTP/1.1"'),
    # nginx writes the decoded path raw in open() "...": a quote in it (%22) ends the quoted name early
    Context("nginx 404 error line", "", NGINX, 3, lambda text:
            f'2026/12/04 10:00:00 [error] 812#812: *31 open() "/usr/share/nginx/html/{text}" '
            f'failed (2: No such file or directory), client: 203.0.113.9, server: _, request: '
            f'"GET /{quote(text)} HTTP/1.1", host: "example.org"'),
    Context("nginx 404 error line, a quote closing the path", "", NGINX, 3, lambda text:
            f'2026/12/04 10:00:00 [error] 812#812: *31 open() "/usr/share/nginx/html/a" {text}, client: x, "" '
            f'failed (2: No such file or directory), client: 203.0.113.9, server: _, request: '
            f'"GET /a%22%20{quote(text)} HTTP/1.1", host: "example.org"'),
    # OpenSSH: logit("Invalid user %.100s from %.100s port %d", ...)
    Context("sshd user name", "ssh", SSHD, 6, lambda text: f"Invalid user {text[:100]} from 203.0.113.9 port 51234"),
    Context("sshd failed password", "ssh", SSHD, 6, lambda text:
            f"Failed password for invalid user {text[:100]} from 203.0.113.9 port 51234 ssh2"),
    # OpenSSH: "Received disconnect from %s port %d:%u: %.400s", " [preauth]" before authentication
    Context("sshd client's disconnect reason", "ssh", SSHD, 6, lambda text:
            f"Received disconnect from 203.0.113.9 port 51234:11: {text[:400]} [preauth]"),
    # lines that end with the client's decoded path: Apache at LogLevel info, Django's request logger
    Context("Apache file does not exist", "", APACHE, 6, lambda text:
            "[Fri Dec 04 10:00:00.123456 2026] [core:info] [pid 1234:tid 5678] [client 203.0.113.9:51234] "
            f"AH00128: File does not exist: /var/www/html/{text}"),
    Context("Django not found", "", APP, 4, lambda text: f"Not Found: /{text}"),
    # Python's http.server: send_error(400, "Bad request version (%r)" % version), logged by log_error
    Context("Python http.server bad request", "", APP, 6, lambda text:
            f'203.0.113.9 - - [04/Dec/2026 10:00:00] code 400, message Bad request version ({text!r})'),
    Context("JSON string value", "", APP, 6, lambda text:
            json.dumps({"time": "2026-12-04T10:00:00Z", "level": "INFO", "msg": "request", "user_agent": text})),
    Context("JSON nested object at info", "", APP, 6, nested("INFO")),
    Context("JSON nested object at error", "", APP, 6, nested("ERROR")),
    Context("logfmt quoted value", "", APP, 6, lambda text:
            f'level=error ts=2026-12-04T10:00:00Z msg="bad request" path={json.dumps(text)}'),
]


FOLDERS = {rule.id: rule.path.parent.name for rule in RULES}


def hits(context: Context, text: str) -> list[str]:
    """The signatures that fire on the client text in this context, but for the program's own events."""
    message = context.line(text)
    entry = Entry(realtime_usec=0, message=message, unit=context.fields["_SYSTEMD_UNIT"], priority=context.priority,
                  cursor="", fields=context.fields)
    return sorted(hit.rule_id for hit in DETECTOR.detect(entry) if FOLDERS[hit.rule_id] != context.own_rules)


@pytest.mark.parametrize("rule", SIGNATURES, ids=lambda rule: rule.id)
def test_trigger_text_in_client_data_fires_no_signature(rule: Rule) -> None:
    texts = [sample.line.split("\n", 1)[0] for sample in rule.samples if sample.match]
    fired = [f"{context.name}: {hit} fired on {context.line(text)!r}"
             for text in texts for context in CONTEXTS for hit in hits(context, text)]
    assert not fired, "\n".join(fired)
    assert not DETECTOR.take_quarantines()


def test_the_contexts_are_the_programs_own_lines() -> None:
    """The client text reaches the rules: a context is no test if it drops or mangles it."""
    text = 'x "quoted" y'
    assert nginx_escaped(text) == "x \\x22quoted\\x22 y" and apache_escaped(text) == 'x \\"quoted\\" y'
    for context in CONTEXTS:
        assert "x" in context.line(text) and "y" in context.line(text), context.name
    assert SIGNATURES and len(SIGNATURES) == len(RULES) - sum(
        1 for rule in RULES if rule.absence is not None or rule.anomaly is not None or takes_any_message(rule))
