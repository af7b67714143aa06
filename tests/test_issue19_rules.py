"""Issue 19: nginx's upstream rules count per upstream server, not per request URL."""

from __future__ import annotations

from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.rules.loader import load_rules, shipped_rules_dir

RULES = load_rules([shipped_rules_dir()]).rules


def keys(rule_id: str, messages: list[str]) -> set[str]:
    detector = Detector(RULES)
    found = set()
    for message in messages:
        entry = Entry(realtime_usec=0, message=message, unit="nginx.service", priority=3, cursor="",
                      fields={"_SYSTEMD_UNIT": "nginx.service", "SYSLOG_IDENTIFIER": "nginx"})
        found |= {hit.key for hit in detector.detect(entry) if hit.rule_id == rule_id}
    return found


def test_timeouts_to_one_backend_on_many_paths_share_one_key():
    lines = [f'2024/05/02 10:00:{n:02d} [error] 2211#2211: *{9000 + n} upstream timed out (110: Connection timed '
             f'out) while reading response header from upstream, client: 192.0.2.{n}, server: example.org, request: '
             f'"GET /api/x?page={n} HTTP/1.1", upstream: "http://127.0.0.1:4567/api/x?page={n}", host: "example.org"'
             for n in range(25)]
    assert keys("nginx-upstream-timeout", lines) == {"http://127.0.0.1:4567"}


def test_different_backends_and_sockets_keep_their_own_keys():
    template = ('2024/05/02 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to '
                'upstream, client: 192.0.2.1, server: _, request: "GET /a HTTP/1.1", upstream: "{}", host: "x"')
    upstreams = ["http://10.0.0.1:8080/a", "http://10.0.0.2:8080/a", "http://[2001:db8::1]:8080/a",
                 "fastcgi://unix:/run/php/php8.2-fpm.sock:", "fastcgi://unix:/run/php/other.sock:"]
    assert keys("nginx-upstream-refused", [template.format(u) for u in upstreams]) == {
        "http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://[2001:db8::1]:8080",
        "fastcgi://unix:/run/php/php8.2-fpm.sock:", "fastcgi://unix:/run/php/other.sock:"}
