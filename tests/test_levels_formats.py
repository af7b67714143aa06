"""Level grammars operator trials found unread (issue 12, helper T's causes A and D): MongoDB's one-letter
severity (4.4+ JSON `"s":"E"`, 4.2 text `... E  NETWORK  [conn1] ...`), Erlang/OTP's `=ERROR REPORT====`
headers, Tornado's and Jupyter's `[E 241126 14:00:00 web:2246]`, and java.util.logging's SEVERE, which is err
(JUL has no ERROR; SLF4J's bridge maps SEVERE to it), not crit; helper D8's: ClickHouse's `{query_id} <Error>`,
CockroachDB's `W261127 ... file:line ⋮`, unbound's `[epoch] unbound[812:1] error:`; Gitea's `file.go:60:f() [E]`
(and until 1.9 `[...file.go:60 f()] [E]`, trial 4),
Ceph's `7f1c2d3e5700 -1`; Squid's `kid1| FATAL:`; Telegraf's `E!`; helper D11's: Dovecot's `Dec 02 01:10:00
auth-worker(4567): Error:` to stderr; logrus's on a terminal, `ERRO[time]` (engine/format_levels.py and
levels.py, with their C twins sources/format_levels.h, go_levels.h and levels.h; on journal files:
tests/test_levels_servers.py).

1. A corpus of lines as the programs write them (from their sources: MongoDB's logv2 JSONFormatter and
   MessageEventDetailsEncoder, OTP's logger_formatter legacy header), and look-alikes in client text or
   other places that are no level.
2. C and Python agree on the corpus and on generated lines built from the pieces of these formats.
3. On real journal files (systemd-journal-remote): a MongoDB listener failing 20 times a second with
   `"s":"E"` is an error-level anomaly (it was only a warning, by its failure word); one Tomcat SEVERE line in a
   warm unit pages nothing critical (new-fatal-template fired on it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_anomaly import ANOMALY_RULES, HOUR, by_time, scan_anomalies, steady
from test_levels import c_text_level, misread

from logsentry.engine.levels import effective_priority, text_level
from logsentry.sources import _journalscan

ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 1, 2, 3, 4, 5, 6, 7


def mongo_json(severity: str, msg: str = "Error accepting new connection on local endpoint",
               component: str = "NETWORK") -> str:
    """A MongoDB 4.4+ line as logv2's JSONFormatter writes it: fixed columns padded after the commas."""
    return ('{"t":{"$date":"2026-11-30T14:00:00.123+00:00"},"s":"' + severity + '",' + " " * (3 - len(severity))
            + '"c":"' + component + '",' + " " * (9 - len(component)) + '"id":22988,   "ctx":"listener","msg":"'
            + msg + '","attr":{"localEndpoint":"0.0.0.0:27017","error":"Too many open files"}}')


CORPUS: list[tuple[int | None, str, str]] = [
    # MongoDB 4.4+ JSON (logv2 json_formatter.cpp; severities from LogSeverity::toStringDataCompact)
    (CRIT, mongo_json("F"), "MongoDB 4.4 F (SEVERE, fatal assertions)"),
    (ERR, mongo_json("E"), "MongoDB 4.4 E"),
    (WARNING, mongo_json("W"), "MongoDB 4.4 W"),
    (INFO, mongo_json("I", "Connection accepted"), "MongoDB 4.4 I"),
    (DEBUG, mongo_json("D1", "Slow query"), "MongoDB 4.4 D1"),
    (DEBUG, mongo_json("D5", "Slow query"), "MongoDB 4.4 D5"),
    (ERR, '{"t":{"$date":"2026-11-30T14:00:00.123Z"},"s":"E","c":"-","id":1,"ctx":"main","msg":"x"}',
     "MongoDB 4.4 unpadded, UTC"),
    # MongoDB up to 4.2 text (logger/message_event_utf8_encoder.cpp: date severity component [context] msg)
    (ERR, "2019-03-21T11:53:15.209+0000 E  NETWORK  [conn1] Error receiving request from client", "MongoDB 4.2"),
    (CRIT, "2019-03-21T11:53:15.209+0000 F  -        [main] Fatal assertion 28595", "MongoDB 4.2 F, no component"),
    (WARNING, "2019-03-21T11:53:15.209Z W  REPL_HB  [replexec-3] heartbeat failed", "MongoDB 4.2 UTC"),
    (INFO, "2019-03-21T11:53:15.209+0100 I  NETWORK  [listener] connection accepted", "MongoDB 4.2 I"),
    (DEBUG, "2019-03-21T11:53:15.209-0500 D2 COMMAND  [conn7] run command admin.$cmd", "MongoDB 4.2 D2"),
    (ERR, "2016-03-21T11:53:15.209+0000 E NETWORK  [conn1] SocketException", "MongoDB 3.x: one column"),
    (DEBUG, "2016-03-21T11:53:15.209+0000 D NETWORK  [conn1] connected", "MongoDB 3.x D"),
    # Erlang/OTP report headers (logger_formatter legacy_header, error_logger's tty handler)
    (ERR, "=ERROR REPORT==== 26-Nov-2026::14:00:00.123456 ===", "OTP 21+"),
    (ERR, "=CRASH REPORT==== 1-Dec-2026::09:03:41 ===", "a process crashed (OTP 20)"),
    (ERR, "=SUPERVISOR REPORT==== 1-Dec-2026::09:03:41.000001 ===", "a supervisor's child died"),
    (WARNING, "=WARNING REPORT==== 1-Dec-2026::09:03:41.000001 ===", "warning"),
    (INFO, "=INFO REPORT==== 1-Dec-2026::09:03:41.000001 ===", "info"),
    (INFO, "=PROGRESS REPORT==== 1-Dec-2026::09:03:41.000001 ===", "SASL progress"),
    (CRIT, "=CRITICAL REPORT==== 1-Dec-2026::09:03:41.000001 ===", "logger level critical"),
    (NOTICE, "=NOTICE REPORT==== 1-Dec-2026::09:03:41.000001 ===", "logger level notice"),
    (ERR, "=ERROR REPORT==== 26-Nov-2026::14:00:00 ===\nError in process <0.87.0> with exit value: {badarg,[]}",
     "the header line of a multi-line entry"),
    # Tornado's LogFormatter and traitlets' (Jupyter): the level's first letter, then the date and time
    (ERR, "[E 241126 14:00:00 web:2246] 500 GET /api (127.0.0.1) 3.21ms", "Tornado"),
    (WARNING, "[W 241126 14:00:00 web:2246] 404 GET /favicon.ico (127.0.0.1) 0.61ms", "Tornado"),
    (INFO, "[I 2024-11-26 14:00:00.123 ServerApp] Jupyter Server 2.14.2 is running at:", "Jupyter Server"),
    (CRIT, "[C 2024-11-26 14:00:00.123 ServerApp] Bad config encountered during initialization", "traitlets"),
    (DEBUG, "[D 2024-11-26 14:00:00.123 ServerApp] Searching ['/etc/jupyter'] for config files", "traitlets"),
    # java.util.logging's SEVERE is ERROR in SLF4J's and Log4j's bridges
    (ERR, "30-Nov-2026 14:00:00.123 SEVERE [main] org.apache.catalina.loader.WebappClassLoaderBase."
          "checkThreadLocalMapForLeaks The web application [ROOT] created a ThreadLocal", "Tomcat JULI"),
    (ERR, "SEVERE: Exception starting filter [springSecurityFilterChain]", "JUL SimpleFormatter"),

    # ClickHouse's server log (OwnPatternFormatter.cpp), priorities as Poco's SyslogChannel sends them
    (ERR, "2026.11.27 12:17:05.347509 [ 694 ] {eeaa1f3c-7d2b-4c1e-9a53-0b6c2f1d8e47} <Error> executeQuery: Code: 241. "
          "DB::Exception: Memory limit (total) exceeded: would use 14.02 GiB", "ClickHouse, in a query"),
    (ERR, "2026.11.27 12:17:27.790421 [ 916 ] {4113579c-81b1-15d0-094f-5bc5a9be0ee8} <Error> TCPHandler: Code: 241.",
     "ClickHouse TCPHandler"),
    (INFO, "2026.11.27 12:00:00.000001 [ 1 ] {} <Information> Application: Ready for connections.",
     "ClickHouse, no query: {}"),
    (WARNING, "2026.11.27 12:00:00.000001 [ 58 ] {} <Warning> Context: Linux transparent hugepages are set to always",
     "ClickHouse warning"),
    (ALERT, "2026.11.27 12:00:00.000001 [ 700 ] {} <Fatal> BaseDaemon: ########################################",
     "ClickHouse's crash report: Poco's PRIO_FATAL is LOG_ALERT"),
    (CRIT, "2026.11.27 12:00:00.000001 [ 7 ] {} <Critical> Application: x", "ClickHouse critical"),
    (NOTICE, "2026.11.27 12:00:00.000001 [ 7 ] {} <Notice> Application: x", "ClickHouse notice"),
    (DEBUG, "2026.11.27 12:00:00.000001 [ 7 ] {q-1} <Trace> MergeTreeSelectProcessor: Reading 1 ranges",
     "ClickHouse trace, a client's own query id"),
    (DEBUG, "2026.11.27 12:00:00.000001 [ 7 ] {} <Debug> : x", "ClickHouse debug, no source"),
    (DEBUG, "2026.11.27 12:00:00.000001 [ 7 ] {} <Test> x: y", "ClickHouse test"),
    (WARNING, "2017.02.23 18:52:30.142 [ 1 ] <Warning> Application: Logging to console",
     "ClickHouse before {query_id}"),
    # CockroachDB's crdb-v2 and crdb-v1 (format_crdb_v2.go, format_crdb_v1.go): Lyymmdd, no '] '
    (WARNING, "W261127 12:17:03.000020 1464 kv/kvserver/liveness/liveness.go:781 \u22ee [T1,n1,liveness-hb] 37067  "
              "failed node liveness heartbeat: operation \"node liveness heartbeat\" timed out after 4.5s",
     "CockroachDB crdb-v2, redactable"),
    (INFO, "I210116 21:49:17.073282 14 server/node.go:464 \u22ee [-] 23  started with engine type \u20392\u203a",
     "crdb-v2 docs' example"),
    (INFO, "I210116 21:49:17.083093 14 1@cli/start.go:690 \u22ee [-] 40  node startup completed:",
     "crdb-v2, a channel"),
    (ERR, "E210116 21:49:17.073282 14 server/node.go:464  [-] 23  x", "crdb-v2, no redaction marker: two spaces"),
    (CRIT, "F261127 12:17:03.000020+010000 7 (gostd) net/http/server.go:3195 \u22ee [-] 5  x",
     "crdb-v2 with a timezone, a Go library's file"),
    (ERR, "E200601 10:00:00.123456 123 storage/store.go:1720  [n1,s1] failed", "crdb-v1"),
    (WARNING, "W160601 10:00:00.123456 storage/store.go:1720  x", "CockroachDB 1.0: no goroutine id"),
    # the program's own syslog-style ident before its level (levels.py step 5)
    (ERR, "[1795781824] unbound[812:1] error: SERVFAIL <api.github.com. A IN>: all the configured stub or forward "
          "servers failed, at zone .", "unbound, use-syslog: no"),
    (INFO, "[1795781824] unbound[812:0] info: resolving api.github.com. A IN", "unbound info"),
    (NOTICE, "[1795781824] unbound[812:0] notice: init module 0: validator", "unbound notice"),
    (WARNING, "[1795781824] unbound[812:0] warning: too many file descriptors", "unbound warning"),
    (ERR, "dnsmasq[812]: error: failed to send packet", "an ident first"),
    (ERR, "2026-11-27 12:17:03 nsd[1234]: error: xfrd: zone example.com: bad", "after a timestamp"),

    # Gitea and Forgejo (modules/log/event_format.go, stdflags: date, time, medfile, shortfuncname, levelinitial)
    (ERR, "2021/01/20 13:11:28 routers/user/home.go:60:getDashboardContextUser() [E] GetOrganizations: invalid "
          "connection", "Gitea (go-gitea/gitea#14393)"),
    (DEBUG, "2021/01/20 13:11:28 ...s/context/context.go:332:func1() [D] Session ID: 267ccd997a695ac2",
     "Gitea medfile: the path cut to 20 characters after ..."),
    (WARNING, "2020/05/31 15:33:07 ...eful/manager_unix.go:133:handleSignals() [W] PID 549. Received SIGTERM.",
     "Gitea warning"),
    (INFO, "2020/05/31 15:33:07 cmd/web.go:206:runWeb() [I] HTTP Listener: 127.0.0.1:3000 Closed", "Gitea info"),
    (CRIT, "2026/12/01 10:00:00 cmd/web.go:1:runWeb() [F] Failed to start server", "Gitea log.Fatal"),
    (CRIT, "2019/06/01 10:00:00 models/repo.go:1:x() [C] old Critical", "Gitea's Critical (until 1.20)"),
    (DEBUG, "2026/12/01 10:00:00 x.go:1:f() [T] trace", "Gitea trace"),
    (ERR, "2026/12/01 10:00:00.123456 routers/init.go:12:f() [E] x", "Gitea with microseconds"),
    (ERR, "2026/12/01 10:00:00 routers/init.go:12 [E] x", "Gitea without the function"),
    (ERR, "2026/12/01 10:00:00 [E] x", "Gitea without the caller"),
    (ERR, "2017/05/20 14:34:21 [...gitea/models/repo.go:2042 CheckRepoStats()] [E] Update repository count "
          "'num_watches'[2]: database table is locked: repository", "Gitea until 1.9: the caller in brackets (#1769)"),
    (ERR, "2018/06/18 09:04:29 [...api/v1/repo/issue.go:203 CreateIssue()] [E] ChangeStatus: database table is "
          "locked: label", "Gitea 1.5 (go-gitea/gitea#4268)"),
    (CRIT, "2017/05/20 14:34:21 [...routers/install.go:70 GlobalInit()] [C] Fail to initialize ORM engine",
     "old Gitea's Critical"),
    (ERR, "2026/12/01 10:00:00 cmd/web.go:1:runWeb() [ERROR] x", "Gitea with the flag level: the whole name"),
    (NOTICE, "2026/12/01 10:00:00 [NOTICE] x", "no Gitea level: the general step reads the bracket"),

    # Ceph's daemons on stderr (src/log/Log.cc: time, thread, "%2d" priority; Journald.cc map_prio)
    (ERR, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1 osd.3 4420 heartbeat_check: no reply from 10.0.6.12:6804 "
          "osd.5 since back 2026-11-27T12:16:43.148+0000", "Ceph derr (ceph-ansible#1297)"),
    (WARNING, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700  0 osd.3 4420 crush map has features 432629239337189376",
     "Ceph dout(0): warning, as Ceph tells journald"),
    (NOTICE, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700  1 mon.a@0(leader).osd e12 e12: 3 total", "Ceph 1-4"),
    (INFO, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700  5 osd.3 pg_epoch: 12", "Ceph 5-9"),
    (DEBUG, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700 20 osd.3 x", "Ceph 10 and more"),
    (WARNING, "debug 2021-05-01T10:00:00.123+0000 7f8a1b2c3640  0 log_channel(cluster) log [WRN] : Health check "
              "failed: 1 osds down (OSD_DOWN)", "cephadm's stderr prefix; a cluster log line's own level"),
    (DEBUG, "debug 2021-05-01T10:00:00.123+0000 7f8a1b2c3640  0 log_channel(cluster) log [DBG] : pgmap v12: 1 pgs",
     "cluster log [DBG]"),
    (CRIT, "2021-05-01T10:00:00.123+0000 7f8a1b2c3640  0 log_channel(audit) log [SEC] : x", "cluster log [SEC]"),
    (ERR, "2019-01-01 10:00:00.123456 7f8a1b2c3640 -1 filestore(/var/lib/ceph/osd/ceph-0) x",
     "Ceph before ISO times"),
    (ERR, "    -5> 2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1 *** Caught signal (Aborted) **",
     "a crash dump's recent events"),

    # logrus's TextFormatter on a terminal (text_formatter.go: the level cut to four capitals, [%04d] seconds since
    # start or [time] with FullTimestamp); `dockerd --debug` by hand (moby/moby#34091)
    (ERR, "ERRO[2021-04-12T16:04:16.068413882+08:00] containerd did not exit successfully          "
          "error=\"signal: segmentation fault\" module=libcontainerd", "logrus ERRO, dockerd's RFC3339NanoFixed"),
    (CRIT, "FATA[0000] failed to start daemon: pid file found, ensure docker is not running or delete "
           "/var/run/docker.pid", "logrus FATA, seconds since start"),
    (0, "PANI[0012] runtime error", "logrus panic: emerg, as its JSON \"panic\""),
    (DEBUG, "DEBU[2021-04-12T16:04:16Z] Listener created for HTTP", "logrus DEBU, RFC 3339"),
    (DEBUG, "TRAC[2021-04-12T16:04:16.1-05:00] x", "logrus TRAC, a zone"),
    (WARNING, "WARN[0001] grpc: addrConn.createTransport failed to connect", "logrus WARN (also the general step)"),
    (None, "ERRO[12] x", "logrus's seconds are at least four digits"),
    (None, "ERRO [0000] x", "no bracket right after the level"),
    (None, "ERRO[2021-04-12T16:04:16+0800] x", "logrus's RFC 3339 zone has a colon"),
    (None, "ERRO[0000]x", "no space after the bracket"),
    (None, "Erro[0000] x", "logrus writes the level in capitals"),

    # Squid's cache.log (debug.cc _db_print: the time, " kidN" in SMP mode, "| ", then the message)
    (CRIT, "2026/11/27 12:17:03 kid1| FATAL: The /usr/lib/squid/security_file_certgen helpers are crashing too "
           "rapidly, need help!", "Squid FATAL (b4tman/docker-squid#4)"),
    (ERR, "2026/11/27 12:17:03.123 kid2| ERROR: No forward-proxy ports configured.", "Squid, milliseconds, kid2"),
    (WARNING, "2026/11/27 12:17:03 kid1| WARNING: Could not determine this machines public hostname.", "Squid warning"),
    (ERR, "2026/11/27 12:17:03| ERROR: x", "Squid without SMP: no kid label"),

    # Telegraf (logger.go: the RFC 3339 time, then level.Indicator() "E! ", "W! ", "I! ", "D! ", "T! ")
    (ERR, "2026-11-27T12:17:07Z E! [outputs.influxdb_v2] When writing to [http://influx:8086/api/v2/write]: Post "
          "\"http://influx:8086/api/v2/write\": dial tcp 10.0.0.5:8086: connect: connection refused",
     "Telegraf error (telegraf#10431)"),
    (WARNING, "2026-11-27T12:17:07Z W! [inputs.snmp] Collection took longer than expected", "Telegraf warning"),
    (INFO, "2026-11-27T12:17:07Z I! Starting Telegraf 1.28.1", "Telegraf info"),
    (DEBUG, "2026-11-27T12:17:07Z D! [outputs.file] Wrote batch of 12 metrics in 52.1µs", "Telegraf debug"),
    (ERR, "E! [agent] Error writing to outputs.influxdb: could not write any address", "Telegraf without a time"),

    # Dovecot to a log file or stderr (log_path = /dev/stderr; src/lib/failures.c: log_timestamp "%b %d %H:%M:%S ",
    # the process prefix, then "Info: " .. "Panic: "; helper D11's trial: its SQL auth backend down was read as info)
    (ERR, "Dec 02 01:10:00 auth-worker(41234): Error: mysql(10.20.0.40): Connect failed to database (mail): Can't "
          "connect to MySQL server on '10.20.0.40' (111) - waiting for 1 seconds before retry", "Dovecot error"),
    (ERR, "Dec 02 01:10:02 auth-worker(41234): Error: sql(alice@example.org,203.0.113.5,<kV3x9Pc8kMjAqBIP>): "
          "Password query failed: Not connected to database", "Dovecot error, a context with a session"),
    (INFO, "Dec  2 01:10:00 imap-login: Info: Login: user=<alice@example.org>, method=PLAIN, rip=203.0.113.5, "
           "lip=10.20.0.5, mpid=23456, TLS, session=<kV3x9Pc8kMjAqBIP>", "Dovecot info, a one-digit day"),
    (WARNING, "Dec 02 01:10:00 imap(bob@example.org)<23456><kV3x9Pc8kMjAqBIP>: Warning: Maildir /var/vmail/INBOX: "
              "Synchronization took 33 seconds", "Dovecot warning, pid and session groups"),
    (CRIT, "Dec 02 01:10:00 master: Fatal: Dovecot is already running with PID 1234", "Dovecot fatal"),
    (CRIT, "auth: Panic: file auth-request.c: line 90: assertion failed", "Dovecot panic, no timestamp"),
    (DEBUG, "2026-12-02 01:10:00 lmtp(5678): Debug: Connect from local", "Dovecot, an ISO log_timestamp"),
    (ERR, "Dec 02 01:10:00 ERROR: x", "a syslog-style month before a level"),

    # FreeRADIUS to a log file or stdout (`-l stdout`; src/main/log.c: the time as ctime(3) writes it, then the
    # levels table's ": Error: ", ": Info: ", ...; helper D12's trial: its SQL backend down was read as info)
    (ERR, "Tue Nov 24 12:20:35 2026 : Error: rlm_sql (sql): Opening connection failed (8)", "FreeRADIUS error"),
    (ERR, "Tue Nov 24 12:20:35 2026 : Error: rlm_sql_mysql: Couldn't connect to MySQL server radius@10.20.0.30:"
          "radius", "FreeRADIUS error, a driver's"),
    (WARNING, "Sat Sep 19 14:03:09 2020 : Warning: Ignoring \"ldap\" (see raddb/mods-available/README.rst)",
     "FreeRADIUS warning"),
    (INFO, "Tue Nov  3 12:20:35 2026 : Info: Ready to process requests", "FreeRADIUS info, a one-digit day"),
    (ERR, "Tue Nov 24 12:20:35 2026 : ERROR: (12) sql: Failed", "FreeRADIUS's debug ERROR"),
    (None, "Tue Nov 24 12:20:35 2026 : Auth: (3) Login OK: [alice] (from client wifi-ctrl port 0)",
     "FreeRADIUS auth: no level word"),
    (ERR, "Tue Nov 24 12:20:35 2026 ERROR x", "a capitalised level after a ctime"),

    # look-alikes: no level where the program writes it
    (None, "Dec 02 01:10:00 auth: said Error: x", "a level word after a word"),
    (None, "Dec 02 01:10:00 Auth: Error: x", "no Dovecot process name (capitals)"),
    (None, "Dec 02 01:10:00 auth: Error:x", "no space after Dovecot's level"),
    (None, "Dec 02 01:10:00 auth: ERROR x", "not Dovecot's spelling after its prefix"),
    (None, "Dec 02 01:10:00 imap(a b): Error: x", "a space in the context"),
    (None, "Dec 02 01:10:00 imap(a)(b): Error: x", "two contexts"),
    (None, "Dec 02 01:10:00 imap<1>(a): Error: x", "the context after a group"),
    (None, "GET /q imap(a): Error: x", "client text"),
    (None, "Decimal 02 auth: Error: x", "no month"),
    (None, "Dec x 01:10:00 auth: Error: x", "no day after the month"),
    (None, "Dec   2 01:10:00 auth: Error: x", "three blanks after the month"),
    (None, "Tue Nov   4 12:20:35 2026 : Error: x", "three blanks after ctime's month"),
    (None, "Tue Nov24 12:20:35 2026 : Error: x", "no blank after ctime's month"),
    (None, "Tuesday Nov 24 12:20:35 2026 : Error: x", "no weekday's abbreviation"),
    (None, "Tue Xyz 24 12:20:35 2026 : Error: x", "no month after the weekday"),
    (None, "Tue is the day : Error: x", "a weekday, then words"),
    (None, "12:20:35 2026 : Error: x", "` : ` without a ctime"),
    (None, "Nov 24 12:20:35 2026 : Error: x", "` : ` after a month without its weekday"),
    (None, "Tue Nov 24 12:20:35 2026 : error x", "no colon after a lower-case word"),
    (None, "Tue Nov 24 12:20:35 2026 us=123456 TLS Error: x", "OpenVPN's ctime and us= (no level)"),
    (None, "said Tue Nov 24 12:20:35 2026 : Error: x", "a ctime after a word"),
    (None, "user: Dec 02 auth: Error: x", "a month only first"),
    (None, "2026-11-27T12:17:07Z X! [agent] x", "no Telegraf indicator"),
    (None, "2026-11-27T12:17:07Z E!x", "no space after the indicator"),
    (None, "said E! [agent] x", "an indicator after a word"),
    (None, "2026/11/27 12:17:03 kid| FATAL: x", "no kid number"),
    (None, "2026/11/27 12:17:03 kid1 FATAL: x", "no bar after the kid label"),
    (None, "2026/11/27 kid1| FATAL: x", "a kid label only after a time"),
    (None, "GET /q kid1| FATAL: x", "client text"),
    (None, "2026-11-27T12:17:03.150+0000 7F1C2D3E5700 -1 osd.3 x", "no lower-case thread id"),
    (None, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1osd.3 x", "no space after the priority"),
    (None, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700 5 osd.3 x", "not %2d"),
    (None, "2026-11-27T12:17:03.150Z 7f1c2d3e5700 -1 osd.3 x", "not Ceph's zone"),
    (None, "2026-11-27T12:17:03.1501234+0000 7f1c2d3e5700 -1 x", "seven digits of fraction"),
    (None, "GET /x?q=2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1 y", "client text"),
    (None, "debugger 2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1 y", "not cephadm's prefix"),
    (None, "2026-11-27T12:17:03.150+0000 7f1c2d3e5700  0 log_channel(cluster) log [XYZ] : y", "no cluster log level"),
    (None, "2026/12/01 10:00:00 routers/init.go:12:f() [X] x", "no Gitea level"),
    (None, "2026/12/01 10:00:00 routers/init.py:12:f() [E] x", "not a Go file"),
    (None, "2026/12/01 10:00:00 routers/init.go:f() [E] x", "no line number"),
    (None, "2026/12/01 10:00:00 routers/init.go:12x [E] x", "not a line number"),
    (None, "2026/12/01 10:00:00 a.go:1 b.go:2 [E] x", "one caller only"),
    (None, "2017/05/20 14:34:21 [...models/repo.go:2042] [E] x", "old Gitea's caller names its function"),
    (None, "2017/05/20 14:34:21 [...models/repo.py:2042 f()] [E] x", "old caller: not a Go file"),
    (None, "2017/05/20 14:34:21 [...models/repo.go:2042 f() g()] [E] x", "old caller: one function token"),
    (None, "2017/05/20 14:34:21 [...models/repo.go:2042x f()] [E] x", "old caller: not a line number"),
    (None, "2017/05/20 14:34:21 [repo.go:1 f()][E] x", "no blank after the old caller"),
    (None, "2026/12/01 10:00:00 x.go:1:f() [E]x", "no space after the level"),
    (None, "2026/12/01 10:00:00 x.go:1:f() [e] x", "not Gitea's capitals"),
    (None, "2026-12-01 10:00:00 x.go:1:f() [E] x", "not Gitea's date"),
    (None, "GET /x?q=2026/12/01 10:00:00 x.go:1:f() [E] y", "client text"),
    (None, "2026/12/01 10:00:00 " + "a" * 200 + ".go:1:f() [E] x", "past MAX_PREFIX"),
    (None, '{"s":"E","msg":"x"}', "an 's' key without MongoDB's timestamp first"),
    (None, '{"msg":"x","t":{"$date":"2026-11-30T14:00:00.123Z"},"s":"E"}', "not where logv2 writes it"),
    (None, '{"t":{"$date":"2026-11-30T14:00:00.123Z"},"x":1,"s":"E","msg":"x"}', "not right after the date"),
    (None, '{"t":{"$date":"2026-11-30T14:00:00.123Z"},"s":"X","msg":"x"}', "no MongoDB severity"),
    (None, '{"t":{"$date":"2026-11-30T14:00:00.123Z"},"s":"D","msg":"x"}', "logv2 writes D1..D5"),
    (None, '{"t":{"$date":"2026-11-30T14:00:00.123Z"},"s":"E","msg":"x"', "not a whole object"),
    (None, "2019-03-21T11:53:15.209+0000 E  NETWORK  conn1 Error", "no context bracket"),
    (None, "2019-03-21T11:53:15.209+0000 E  network  [conn1] Error", "no component in capitals"),
    (None, "2019-03-21T11:53:15.209+0000 X  NETWORK  [conn1] Error", "no MongoDB severity"),
    (None, "2019-03-21T11:53:15.209+0000 D6 NETWORK  [conn1] Error", "no debug level 6"),
    (None, "2019-03-21 11:53:15.209 E  NETWORK  [conn1] Error", "not MongoDB's date"),
    (None, "GET /search?q==ERROR REPORT==== 1-Dec-2026::09:03:41 === HTTP/1.1", "client text"),
    (None, "=error report==== 1-Dec-2026::09:03:41 ===", "not OTP's capitals"),
    (None, "=ERROR REPORT==== 1-Dec-2026::09:03:41 === and more", "more than the header"),
    (None, "=ERROR REPORT==== yesterday ===", "no OTP date"),
    (None, "=FOO REPORT==== 1-Dec-2026::09:03:41 ===", "no OTP title"),
    (None, "said SEVERE: nothing", "a level word in the middle"),
    (None, "processing [E 241126 14:00:00 web:1] x", "a bracket after a word"),
    (None, "[X 2024-11-26 14:00:00.123 ServerApp] x", "no level letter"),
    (None, "[E 1] x", "no date and time"),
    (None, "[E x 1] y", "no date"),
    (None, "2026.11.27 12:17:05.347509 [ 694 ] {a} <Fatal>} <Information> x", "a query id cannot close the braces"),
    (None, "2026.11.27 12:17:05.347509 [ 694 ] {a b} <Error> x: y", "no space in a query id"),
    (None, "2026.11.27 12:17:05.347509 [ 694 ] {} <Unknown> x: y", "no Poco priority"),
    (None, "2026.11.27 12:17:05.347509 [ 694 ] {} <ERROR> x: y", "not Poco's spelling"),
    (None, "2026.11.27 12:17:05.347509 [ 694 ] {} <Error>x: y", "no space after the priority"),
    (None, "2026.11.27 12:17:05 [ x ] {} <Error> x: y", "no thread number"),
    (None, "2026-11-27 12:17:05.347509 [ 694 ] {} <Error> x: y", "not ClickHouse's date"),
    (None, "GET /q?x=2026.11.27 12:17:05.347509 [ 1 ] {} <Error> y: z", "client text"),
    (None, "2026.11.27 12:17:05.347509 [ 694 ] {" + "a" * 200 + "} <Error> x: y", "past MAX_PREFIX"),
    (None, "W261127 12:17:03.000020 1464 kv/liveness.go:781 x", "no marker and no second space"),
    (None, "W261127 12:17:03.00002 1464 kv/liveness.go:781  x", "not six digits of microseconds"),
    (None, "W2611270 12:17:03.000020 1464 kv/liveness.go:781  x", "seven digits of date"),
    (None, "X261127 12:17:03.000020 1464 kv/liveness.go:781  x", "no level letter"),
    (None, "W261127 12:17:03.000020 1464 kv/liveness.go  x", "no line number"),
    (None, "GET /x?q=[1] error: x", "client text: a bracket after a word"),
    (None, "[12] q=[1] error: x", "a key's value is no ident"),
    (None, "[12] unbound[x] error: x", "no pid"),
    (None, "[12] unbound[812:] error: x", "no thread number"),
    (None, "[12] unbound[812:0]error: x", "no blank after the ident"),
    (None, "[12] a[1] b[2] error: x", "one ident only"),
    (None, "[12] unbound[812:0] said error: x", "a level word after a word"),
    # Redis before 5.0 (serverLogRaw/redisLogRaw): no year; 2.x's pid in brackets, before 2.6 no milliseconds
    (WARNING, "48668:M 18 May 13:12:47.788 # Background saving error", "Redis 3.0-4.0"),
    (NOTICE, "48668:C 18 May 13:12:47.074 * DB saved on disk", "Redis 3.0-4.0, the saving child"),
    (WARNING, "[48668] 18 May 13:12:47.788 # Background saving error", "Redis 2.6-2.8"),
    (DEBUG, "[48668] 18 May 13:12:47.069 - Accepted 10.0.0.5:40512", "Redis 2.6-2.8 verbose"),
    (WARNING, "[48668] 18 May 13:12:47 # Background saving error", "Redis up to 2.4"),
    (None, "[48668] 18 May 13:12:47.788 Background saving error", "no level mark"),
    (None, "[48668] 18 May 13:12:47.7 # x", "not milliseconds"),
    (None, "48668:Q 18 May 13:12:47.788 # x", "no Redis role"),
    # Monolog's LineFormatter: Laravel, Symfony, Magento (helper-140's trial 3)
    (ERR, "[2024-02-04 19:22:11] production.ERROR: SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: "
          "select * from `sessions` where `id` = WT19HvuZ137oyMU6ykIPiQuIn3FJHkHJPrAsZR85 limit 1)",
     "Laravel (alexjustesen/speedtest-tracker#1065)"),
    (CRIT, '[2024-01-01T00:00:00.123456+00:00] request.CRITICAL: Uncaught PHP Exception RuntimeException: "x" at '
           "/srv/app/src/Controller/A.php line 12 {\"exception\":\"[object] (RuntimeException(code: 0): x)\"} []",
     "Symfony, Monolog 2's default date"),
    (INFO, "[2024-01-01 00:00:00] local.INFO: queue worker started", "Laravel INFO"),
    (WARNING, "[2024-01-01 00:00:00] main.WARNING: x", "Magento"),
    (NOTICE, "[2024-01-01 00:00:00] php.NOTICE: x", "Monolog NOTICE"),
    (ALERT, "[2024-01-01 00:00:00] app.ALERT: x", "Monolog ALERT"),
    (0, "[2024-01-01 00:00:00] laravel.EMERGENCY: Unable to create configured logger. Using emergency logger.",
     "Laravel's emergency logger"),
    (ERR, "[2024-01-01 00:00:00] production.ERROR:", "nothing after the level"),
    (None, "[2024-01-01 00:00:00] production.ERRORS: x", "no Monolog level"),
    (None, "[2024-01-01 00:00:00] production.Error: x", "not Monolog's spelling"),
    (None, "[2024-01-01 00:00:00] production.ERROR:x", "no space after the colon"),
    (None, "[abc] production.ERROR: x", "no datetime"),
    (None, "[2024-01-01 00:00:00] a.b.ERROR: x", "a dot in the channel"),
    (None, "[2024-01-01 00:00:00]  production.ERROR: x", "two spaces"),
    (None, "[2" + "0" * 64 + "] p.ERROR: x", "a datetime longer than 64 characters"),
    (None, "GET /x?q=[2024-01-01 00:00:00] production.ERROR: y", "client text"),
    (INFO, "[2024-01-01 00:00:00] production.INFO: said production.ERROR: x", "its own level, not one later"),
    # a numeric UTC offset after the time: Fluentd's `%Y-%m-%d %H:%M:%S %z [level]: ` (helper-140's trial 3)
    # PgBouncer's log_time, %Z of a zone without an abbreviation: its hours (helper-176)
    (WARNING, "2024-06-12 13:02:23.005 +03 [2865569] WARNING C-0x56059d2f0410: db_name/user_name@IP_Adrr:64507 pooler "
              "error: server conn crashed?", "PgBouncer (pgbouncer/pgbouncer#1092)"),
    (INFO, "2024-06-12 13:04:41.649 +03 [2865569] LOG S-0x56059d2e5e30: db_name/user_name@IP_Adrr:5438 closing "
           "because: server conn crashed? (age=9s)", "PgBouncer's LOG"),
    (None, "GET /report?from=10:00:00 -12 ERROR", "client text"),
    (WARNING, '2018-12-01 14:41:44 +0000 [warn]: temporarily failed to flush the buffer. next_retry=2018-12-01 '
              '14:41:52 +0000 error_class="Errno::ECONNREFUSED"', "Fluentd 0.12 (fluent/fluentd#2201)"),
    (INFO, "2018-09-09 11:04:34 +0900 [info]: #0 flush_thread_9 next_retry_time is 2018-09-09 11:06:39 +0900",
     "Fluentd 1.2 (fluent/fluentd#2123)"),
    (WARNING, "  2018-01-17 14:33:13 -0500 [warn]: #0 /opt/td-agent/embedded/lib/ruby/gems/2.4.0/gems/fluentd-1.0.2/"
              "lib/fluent/plugin/out_forward.rb:269:in `block in write'", "Fluentd's backtrace line, indented"),
    (ERR, "2024-01-01 00:00:00 +00:00 ERROR x", "an offset with a colon"),
    (ERR, "10:00:00 -0500\tERROR x", "a tab after the offset"),
    (None, "2024-01-01 +0000 [warn]: x", "an offset after a date is no zone"),
    (None, "x 10:00:00 +0000 [warn]", "an offset after a word"),
    (None, "2024-01-01 00:00:00 +0000 UTC [warn] x", "one zone only"),
    (None, "2024-01-01 00:00:00 +0000[warn] x", "no blank after the offset"),
    (None, "10:00:00 +00:0 WARN x", "not an offset"),
    (None, "10:00:00 +000 WARN x", "three digits"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


def test_the_level_counts_at_priority_6_only() -> None:
    assert effective_priority(6, mongo_json("E")) == (ERR, "text")
    assert effective_priority(None, mongo_json("F")) == (CRIT, "text")
    assert effective_priority(4, mongo_json("E")) == (WARNING, "journal")


# ---- C and Python agree on generated lines ---------------------------------------------------------------

PIECES = ["ERRO[", "FATA[", "PANI", "0000] ", "2021-04-12T16:04:16.068413882+08:00] ", "+08:00",
          '{"t":{"$date":"', "2026-11-30T14:00:00.123+00:00", '"},"s":"', "E", "F", "W", "I", "D", "D1", "D5", "D6",
          '",', '",  ', '"c":"NETWORK",', '"msg":"x"', "}", "{", '"', "\\", ",", " ", "  ", "2019-03-21T11:53:15.209",
          "+0000", "Z", "-0530", "+00", " E ", " E  ", " D2 ", "NETWORK", "REPL_HB", "-", "[conn1]", "[", "]",
          "=", "ERROR", "CRASH", "SUPERVISOR", "FOO", " REPORT==== ", "26", "-Nov-", "2026", "::", "14:00:00",
          ".123456", " ===", "\n", "=ERROR REPORT==== 1-Dec-2026::09:03:41 ===", "SEVERE", ":", "é", "\x00",
          "E1126 14:00:00.123456    1234 util.go:163] ", "x", "[E ", "[C ", "[X ", "241126", " 14:00:00 web:2246] ",
          "2026.11.27 12:17:05.347509 [ 694 ] ", "2026.11.27", "12:17:05", ".347509", " [ ", " ] ", "{}", "{q-1} ", "}",
          "<Error> ", "<Fatal>", "<Information> ", "<", "> ", "W261127 12:17:03.000020 ", "I210116", "1464 ",
          "kv/liveness.go:781 ", "Tue ", "Nov ", " 3 ", " : ", "Error: ", "Sun Dec", "Mon", "\u22ee ", "\u22ee",
          "\xe2", "(gostd) ", "+010000", "1@", "[T1,n1] ",
          "unbound[812:1] ", "unbound", "[812", ":1]", "dnsmasq[812]: ", "error: ", "[1795781824] ",
          "2021/01/20 13:11:28 ", "2021/01/20", "13:11:28", "routers/user/home.go:60:f() ", "...s/c.go:1", ".go:", "60",
          ":func1() ", "[E] ", "[E]",
          "[...gitea/models/repo.go:2042 CheckRepoStats()] ", " f()] ", "[...x.go:1",
          "[ERROR] ", "[C] ", "[X] ", ".123456 ",
          "2026-11-27T12:17:03.150+0000 ", "2019-01-01 10:00:00.123456 ", "7f1c2d3e5700 ", "-1 ", " 0 ", "20 ",
          "debug ", "    -5> ", "log_channel(cluster) log [WRN] : ", "log_channel(", ") log [", "WRN", "] : ", ".150",
          "+0000", " kid1| ", "kid1|", "kid", "| ", "FATAL: ",
          "E! ", "W! ", "X! ", "!", "2026-11-27T12:17:07Z ",
          "Dec ", "Dec", " 02 ", "  2 ", "01:10:00 ", "auth", "auth-worker", "imap-login", "(41234)", "(", ")",
          "(alice@example.org)", "<23456>", "<kV3x9Pc8kMjAqBIP>", "<", ">", ": ", "Error: ", "Info: ", "Panic: ",
          "Fatal", "Warning", "[2024-02-04 19:22:11] ", "] ", "production", ".ERROR: ", ".CRITICAL:", ".", "EMERGENCY",
          "local.INFO: ", "[2024-01-01T00:00:00.123456+00:00] ", "+0000 ", " -0500 ", "+00:00", "+09", "[warn]: ",
          "UTC "]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=14))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from([line for _, line, _ in CORPUS]), st.integers(0, 120), st.integers(0, 3),
       st.sampled_from(PIECES))
def test_c_and_python_agree_on_mutated_corpus_lines(line: str, at: int, cut: int, piece: str) -> None:
    for text in (line[:at] + piece + line[at + cut:], line[:at]):
        assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=40), st.sampled_from([line.encode() for _, line, _ in CORPUS]))
def test_c_on_bytes_equals_python_on_decoded_text(raw: bytes, line: bytes) -> None:
    """The scanner reads raw bytes (invalid UTF-8 too); Python reads them decoded with replacement."""
    for data in (raw, line[:20] + raw, line + raw, raw + line):
        assert _journalscan.text_level(data) == text_level(data.decode("utf-8", "replace")), data


# ---- on real journal files -------------------------------------------------------------------------------

def scan(journal) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                     "-o", "json")
    assert result.exit_code == 0, result.output
    return json_events(result)


def test_a_mongodb_listener_failing_with_s_e_is_an_error_level_anomaly(make_journal) -> None:
    """helper T's mongodb scenario: 'Error accepting new connection' 20/s at "s":"E" (PRIORITY 6, the stdout
    default). Its lines are err by their severity code, so new-error-template is the incident; before, only the
    failure word made it a new-failure-template warning."""
    unit = "mongod.service"
    warm = [entry(mongo_json("I", f"Connection accepted from 10.0.1.{n % 40}:{40000 + n}"), unit=unit, at=n * 5)
            for n in range(int(2 * HOUR / 5))]
    failing = [entry(mongo_json("E"), unit=unit, at=2 * HOUR + n / 20) for n in range(200)]
    events = scan(make_journal(by_time(warm, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"], i["unit"]) for i in incidents] == [("new-error-template", "error", unit)]
    assert incidents[0]["first_usec"] == int(failing[0]["__REALTIME_TIMESTAMP"])
    matches = [m for m in of_type(events, "match") if m["unit"] == unit]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def test_one_tomcat_severe_line_pages_nothing_critical(make_journal) -> None:
    """helper T's tomcat journal: a deploy's single JUL SEVERE line (a memory-leak warning Tomcat prints at every
    redeploy) in a warm unit. SEVERE was crit and new-fatal-template fires on one crit line; it is err now, and
    one err line of a new template is below every rule's trigger."""
    unit = "tomcat.service"
    normal = steady(unit, 0, 2 * HOUR, 5, "30-Nov-2026 12:00:00.123 INFO [http-nio-8080-exec-{n}] "
                    "org.apache.catalina.core.ApplicationContext.log served request {ms}")
    severe = [entry("30-Nov-2026 14:00:00.123 SEVERE [main] org.apache.catalina.loader.WebappClassLoaderBase."
                    "clearReferencesThreads The web application [ROOT] appears to have started a thread named "
                    "[pool-1-thread-1] but has failed to stop it. This is very likely to create a memory leak.",
                    unit=unit, at=2 * HOUR)]
    events = scan(make_journal(by_time(normal, severe)))
    assert of_type(events, "incident") == []
    assert all(m["effective_priority"] == ERR for m in of_type(events, "match") if "SEVERE" in m["message"])
    assert '"critical"' not in json.dumps(events)


def dovecot(at: float, text: str) -> dict:
    """A line of Dovecot's log process to stderr (log_path = /dev/stderr): its log_timestamp, then the text."""
    stamp = datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)
    return entry(f"{stamp:%b %d %H:%M:%S} {text}", unit="dovecot.service", at=at, _COMM="log",
                 SYSLOG_IDENTIFIER="dovecot")


def test_dovecot_to_stderr_losing_its_auth_database_is_an_error_level_anomaly(make_journal) -> None:
    """Helper D11's trial: Dovecot logging to stderr, its SQL auth backend down: `auth-worker(N): Error: ...` at
    PRIORITY 6 was read as info and caught only by its failure words, new-failure-template (warning) +131 s in.
    Now its Error is read: new-error-template at the third error line."""
    normal = [dovecot(n * 20.0, f"imap-login: Info: Login: user=<u{n % 9}@example.org>, method=PLAIN, rip=203.0.113."
                                f"{n % 250}, lip=10.20.0.5, mpid={20000 + n}, TLS, session=<kV3x9Pc8kMjAq{n:04d}>")
              for n in range(int(3 * HOUR / 20))]
    normal += [dovecot(n * 900.0 + 7, f"imap(u{n % 9}@example.org)<{30000 + n}><Qa{n:06d}>: Warning: Maildir "
                                      f"/var/vmail/INBOX: Synchronization took {31 + n % 40} seconds")
               for n in range(int(3 * HOUR / 900))]
    failing = [dovecot(3 * HOUR + wait, f"auth-worker(41234): Error: mysql(10.20.0.40): Connect failed to database "
                                        f"(mail): Can't connect to MySQL server on '10.20.0.40' (111) - waiting for "
                                        f"{wait} seconds before retry") for wait in (1, 2, 4, 8, 16, 32)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"], i["realtime_usec"]) for i in incidents] == [
        ("new-error-template", "error", int(failing[2]["__REALTIME_TIMESTAMP"]))]
    matches = [m for m in of_type(events, "match") if "Connect failed" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def freeradius(at: float, text: str) -> dict:
    """A line of FreeRADIUS logging to stdout (`freeradius -f -l stdout`): ctime(3)'s time, ` : `, the level."""
    stamp = datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)
    return entry(f"{stamp:%a %b %e %H:%M:%S %Y} : {text}", unit="freeradius.service", at=at, _COMM="freeradius",
                 SYSLOG_IDENTIFIER="freeradius")


def test_freeradius_to_stdout_losing_its_sql_backend_is_an_error_level_anomaly(make_journal) -> None:
    """Helper D12's trial: FreeRADIUS logging to stdout, its MySQL backend down: `<ctime> : Error: rlm_sql (sql):
    ...` at PRIORITY 6 was read as info, caught only by its failure words (new-failure-template, warning, +21 s).
    Now its Error is read: new-error-template at the third error line."""
    normal = [freeradius(n * 20.0, f"Auth: ({n}) Login OK: [u{n % 9}/<via Auth-Type = eap>] (from client wifi-ctrl "
                                   f"port 0 cli 00-11-22-33-44-{n % 99:02d})") for n in range(int(3 * HOUR / 20))]
    normal += [freeradius(n * 1800.0 + 7, f"Error: Ignoring request to auth address * port 1812 bound to server "
                                          f"default from unknown client 10.20.5.{n % 200} port {40000 + n} proto udp")
               for n in range(int(3 * HOUR / 1800))]
    failing = [freeradius(3 * HOUR + wait, f"Error: rlm_sql (sql): Opening connection failed ({8 + wait})")
               for wait in (0, 30, 60, 90, 120, 150)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"], i["realtime_usec"]) for i in incidents] == [
        ("new-error-template", "error", int(failing[2]["__REALTIME_TIMESTAMP"]))]
    matches = [m for m in of_type(events, "match") if "Opening connection" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def test_old_gitea_locked_database_is_an_error_level_anomaly(make_journal) -> None:
    """Gitea until 1.9 wrote its caller in brackets (go-gitea/gitea#1769): two hours of its info lines, then
    '[E] ... database table is locked' every 2 s. Its lines are err now: new-error-template at the third line;
    before, no level was read and only new-template-storm (warning) fired, ten minutes in (trial 4)."""
    unit = "gitea.service"
    normal = steady(unit, 0, 2 * HOUR, 20, "2017/05/20 14:34:20 [I] Session Service Enabled {n}")
    locked = [entry("2017/05/20 14:34:21 [...gitea/models/repo.go:2042 CheckRepoStats()] [E] Update repository "
                    "count 'num_watches'[2]: database table is locked: repository", unit=unit, at=2 * HOUR + 2 * n)
              for n in range(30)]
    found = scan_anomalies(make_journal(by_time(normal, locked)))
    assert [(i["rule"], i["severity"]) for i in found] == [("new-error-template", "error")], found
    assert found[0]["realtime_usec"] == int(locked[2]["__REALTIME_TIMESTAMP"])
