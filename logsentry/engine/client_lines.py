"""A web server's error-log line about one client's request: one request's outcome, as an access log line is
(engine/access_levels.py: "a 5xx is one request's failure").

Apache httpd writes `[client ADDR:PORT] ` itself into a line logged for a request or a connection (server/log.c,
do_errorlog_default: ap_log_rerror and ap_log_cerror when the connection has a scoreboard handle; `[remote ...]`
is a backend's connection, mod_proxy's, and is no client). Most such lines at `error` are what the client asked
for: a scanner's probe for `/.env.bak` is `[authz_core:error] [pid 968] [client 179.43.191.162:52852] AH01630:
client denied by server configuration: ...` (mod_authz_core.c), `[cgid:error] ... AH01264: script not found or
unable to stat: ...` (mod_cgid.c), core's `AH00128: File does not exist: ...`: a 403 or a 404. Read at Apache's own
level they were error lines, and one probe fired first-error-template, fourteen new-error-template (trial 74's 62,
64). So no rule that judges new templates (engine/anomaly.py) judges such a line; its level stays (`-p err` shows
it, and a storm of them still counts toward the unit's error share). A line at crit or worse is Apache's word that
the server is broken (core's AH00529 `pcfg_openfile: unable to check htaccess file`) and is judged as any; so is
every line without the field: a child's crash (AH00052), a backend's refusal (AH00957), a start-up's failure.

Where the field sits decides, since the client writes the rest: the default ErrorLogFormat (2.4) is `[%{u}t]
[%-m:%l] [pid %P:tid %T] %7F: %E: [client %a] %M% , referer %{Referer}i`, the time left out when logging to
syslog, the source file and line (`%F`) only at debug and trace, the status (`%E`: `(111)Connection refused`)
only when there is one; 2.2's is `[%t] [%l] [client %a] %M`. The match runs from the line's first character to
the field, over fields Apache alone fills (a status's text is apr_strerror's: no colon, no bracket), so a request
URI or referer that says `[client 1.2.3.4:1]` is in %M, after it, and cannot make a server's failure a client's.
A custom ErrorLogFormat is not read: its lines are judged as any.
"""

from __future__ import annotations

import re

from .levels import POSTGRES_PREFIX

_CLIENT = re.compile(
    r"(?:\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})? [0-9]{4}\] )?"
    r"\[(?:[A-Za-z0-9_-]{0,64}:)?(error|warn|notice|info|debug|trace[1-8])\] "  # 2.4's [module:level], 2.2's [level]
    r"(?:\[pid [0-9]{1,10}(?::tid [0-9]{1,20})?\] )?"  # 2.4's %P and %T
    r"(?:[A-Za-z0-9_.-]{1,80}\([0-9]{1,6}\): )?"  # %F: the source file and line, at debug and trace
    r"(?:\((?:EAI |OS |os 0x)?-?[0-9a-f]{1,10}\)[^:\[\]\n]{0,200}: )?"  # %E: the status, apr_strerror's text
    r"\[client [0-9A-Fa-f.:]{2,60}\] ")
"""Apache's error-log line up to its own `[client ADDR(:PORT)] ` field, at error or a less important level (the time
`%{u}t` with microseconds, 2.2's without; none under syslog)."""


_POSTGRES_SESSION = re.compile(
    r"(?=[^\n]{0,200}FATAL:  )(?:" + POSTGRES_PREFIX + r")?(?<![A-Za-z0-9_]: )FATAL:  "
    r"(?:(?:database|role) \"[^\"\n]*\" does not exist|(?:password|[A-Za-z]{2,12}) authentication failed for user \""
    r"|no pg_hba\.conf entry for |pg_hba\.conf rejects connection for |permission denied for database \""
    r"|no PostgreSQL user name specified in startup packet|unsupported frontend protocol "
    r"|invalid length of startup packet)")
"""PostgreSQL's FATAL that ends one client's session for what the client asked (postinit.c: a database that does not
exist, no permission to connect; miscinit.c: a role that does not exist; auth.c: a failed authentication of any
method (`password`, `Peer`, `Ident`, `LDAP`, ...), no or a rejecting pg_hba.conf line; postmaster.c's startup packet
checks, a port scanner's), after its log_line_prefix as levels.POSTGRES_PREFIX reads it (no quote, no colon-blank in
it: a server's line quoting a client's text is not made a client's). Not the server's own trouble (`sorry, too many
clients already`, `the database system is starting up`): those stay judged. A client's typo of a database name paged
first-error-template (trial 77's 08); a storm of failed logins is postgres-password-auth-failed's."""
_RABBITMQ_CONNECTION = re.compile(
    r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:[+-][0-9]{2}:?[0-9]{2}|Z)? )?"
    r"\[(?:erro|error|warn|warning)\] <[0-9.]{5,40}> (?:Error on AMQP connection|closing AMQP connection) "
    r"<[0-9.]{5,40}> \(")
"""RabbitMQ's account of one client connection's end (rabbit_reader.erl: `Error on AMQP connection <PID> (ADDR:PORT ->
ADDR:PORT, vhost: ..., user: ..., state: ...), channel N:` with the operation the client's channel or connection
broke, `closing AMQP connection <PID> (...):` with `missed heartbeats from client` or `connection_forced` when an
operator closed it), after its own time (none under journald) and level: one client's outcome (trial 77's 10: an
administrator closing a connection paged first-error-template)."""


PREAUTH = " [preauth]"
"""OpenSSH's mark on what its unprivileged child logs for one connection before authentication (monitor.c's
mm_log_handler appends it, sshd's privilege separation): a scanner that resets its connection makes that child's
`fatal: Write failed: Connection reset by peer [preauth]`, at LOG_CRIT, which paged new-fatal-template (trial 77's
01). One client's connection; the brute-force signatures still count such lines."""


def client_request(message: str) -> bool:
    """Is the line a server's account of one client's request, connection or session: Apache's at error or below (the
    module's docstring), sshd's before authentication (PREAUTH), PostgreSQL's session FATAL for what the client
    asked (_POSTGRES_SESSION), RabbitMQ's end of one AMQP connection (_RABBITMQ_CONNECTION)? Such a line is no
    new failure of its unit."""
    head = message[:512]
    return message.endswith(PREAUTH) or ("[client " in head and _CLIENT.match(message) is not None) or (
        "FATAL:  " in head and _POSTGRES_SESSION.match(message) is not None) or (
        "AMQP connection <" in head and _RABBITMQ_CONNECTION.match(message) is not None)
