"""An access log line's level: its response status, the server's own verdict on the request (engine/levels.py
step A, before any other: the C twin is `lv_access` in sources/access_levels.h).

A web server, proxy or WSGI server that logs only its requests (nginx, Apache httpd, gunicorn, Traefik, Envoy,
to stdout or syslog: journald stores every line at PRIORITY 6) says that it is failing in one place, the
status: a storm of 502s is otherwise invisible to `-p err`, error-burst and the error-share anomaly rule, and
templates mask the number (engine/templates). So a 5xx status is err; any other status is no level, and a line
in one of these layouts gets no level from anything else in it: the user and the request are the client's
text (`10.0.0.1 - ERROR [...] "GET / HTTP/1.1" 200 ...`, a basic-auth user named ERROR, is no error).

The layouts, as the servers write them by default:
- NCSA Common and Combined, where the status follows the quoted request: `%h %l %u %t "%r" %>s %b ...` (Apache
  httpd's common/combined, mod_log_config, and Debian's vhost_combined with `%v:%p ` first), nginx's `combined`
  (`$remote_addr - $remote_user [$time_local] "$request" $status ...`), gunicorn's access_log_format, Traefik's
  CLF. The time is `[dd/Mon/yyyy:hh:mm:ss +zzzz]`, a fraction allowed. The request is quoted with the server's
  escapes (Apache: `\\"`, nginx: `\\x22`), so a quote the client sent cannot end it early and put a status of
  its choice after it.
- HAProxy's HTTP log format (`option httplog`, configuration.txt 8.2.3: `%ci:%cp [%tr] %ft %b/%s
  %TR/%Tw/%Tc/%Tr/%Ta %ST %B ...`): the status after the timers, before anything a client wrote (captured headers,
  the request).
- Envoy's default format (`[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
  %RESPONSE_CODE% ...`): an ISO time in brackets, then the quoted request and the status.

Only ASCII decides, as in levels.py. Returns NOT_ACCESS for a line in none of these layouts (levels.py goes on).
"""

from __future__ import annotations

import re

NOT_ACCESS = -1
"""access_level's answer for a line that is not an access log line."""

NO_LEVEL = -2
"""access_level's answer for an access log line whose status is no failure: no level, and nothing else in it
is read for one."""

SERVER_ERROR = 3
"""A 5xx status: err."""

MAX_ACCESS_PREFIX = 1024
"""The quoted request starts within this many characters (host, ident, user and time are short)."""

_CLF = re.compile(
    r'(?:[!-~]{1,255} )?'  # %v:%p: Apache's vhost_combined (Debian's other_vhosts_access.log)
    r'[!-~]{1,255} [!-~]{1,255} [!-~]{1,255} '  # %h %l %u: client, identd's answer, user ("-" for none)
    r'\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]{1,9})? [+-][0-9]{4}\] "')
_ENVOY = re.compile(r'\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?'
                    r'(?:Z|[+-][0-9:]{4,5})\] "')
_HAPROXY = re.compile(
    r'[0-9A-Fa-f:.]{2,45}:[0-9]{1,5} \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] '
    r'[!-~]{1,255} [!-~]{1,255}/[!-~]{1,255} (?:-?[0-9]{1,10}/){4}\+?-?[0-9]{1,10} ([0-9]{3})(?= |\Z)')
"""HAProxy's HTTP log line up to its status (group 1): client:port, [accept date], frontend, backend/server, timers."""
_STATUS = re.compile(r'(?:[^"\\\n]++|\\[^\n])*+" ([0-9]{3})(?= |\n|\Z)(?: (?:[0-9]{1,19}|-)(?= |\n|\Z))?')
"""The rest of the quoted request (escapes skipped whole, one line), its closing quote and the status (group 1),
then the size sent where it follows (`%b`, `$body_bytes_sent`: a number or `-`)."""


def access_level(line: str) -> int:
    """SERVER_ERROR for an access log line with a 5xx status, NO_LEVEL for one with any other, NOT_ACCESS for
    a line in no access log layout."""
    first = line[:1]
    if first == "[":
        start = _ENVOY.match(line)
    else:
        start = _CLF.match(line) if '] "' in line[:MAX_ACCESS_PREFIX] else None
        if start is None:
            haproxy = _HAPROXY.match(line) if first.isascii() and (first.isalnum() or first == ":") else None
            if haproxy is None:
                return NOT_ACCESS  # (the commonest answer)
            return SERVER_ERROR if haproxy[1][0] == "5" else NO_LEVEL
    if start is None or start.end() > MAX_ACCESS_PREFIX:
        return NOT_ACCESS
    status = _STATUS.match(line, start.end())
    if status is None:
        return NOT_ACCESS
    return SERVER_ERROR if status[1][0] == "5" else NO_LEVEL



def access_request(line: str) -> tuple[int, int, int] | None:
    """Where an NCSA or Envoy access log line's quoted request begins and ends (after its quote) and where its status
    (and size) ends: what a line
    cut to a table's width should keep (views/fit.py). Its start (client, user, time: the time column's) and its
    end (referrer, user agent: the client's words) filled an example of 40 cells, `10.0.0.5 - - …me/120.0.0.0
    Safari/537.36"`, the 502 and its path cut out (rough edge 65's 6). None for another line."""
    start = _ENVOY.match(line) if line[:1] == "[" else _CLF.match(line) if '] "' in line[:MAX_ACCESS_PREFIX] else None
    if start is None or start.end() > MAX_ACCESS_PREFIX or (status := _STATUS.match(line, start.end())) is None:
        return None
    return start.end() - 1, status.start(1) - 1, status.end()
