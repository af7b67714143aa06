"""Effective severity: the level a program wrote into its own line, for entries the journal has no level for.

Services write most of their failures to stdout, and journald stores every stdout line at PRIORITY 6
(info, the stream's default) unless the program prefixes it with `<N>`. The program's own level is then
in the text, where the program writes it: at the start of the line, or right after the program's own
timestamp and prefix. `text_level` reads it from there and nowhere else: `GET /search?q=ERROR` is no
error, nor is `user said "level=error"`, nor a `"level"` key nested inside a JSON value.

`effective_priority(priority, message)` is what the rest of logsentry uses (`Entry.effective_priority`):
the text's level when PRIORITY is missing or 6, else the journal's PRIORITY.

The grammar, in the order it is tried (each step either decides or passes to the next); steps 2 and 4 are in
`engine/structured_levels.py`, step 5 in `engine/prefix_levels.py`, the level words in `engine/level_words.py`.
`sources/levels.h` is the C twin: the journal scanner runs it on every entry, and the sources use it (through
`_journalscan.text_level`) because it is 10-20x faster; this module is the reference, documented and used
where entries are made by hand (Entry without a level, rule samples, `rules check`). `tests/test_levels.py`
holds the two to the same answers, so change both together. Only ASCII decides anything here, and the
length limits (a bracket's content, where the level starts) apply to ASCII text, so the answer is the same
for the UTF-8 bytes (C) and the decoded text (Python).

A. An access log line (NCSA Common/Combined: Apache httpd, nginx, gunicorn, Traefik; HAProxy's httplog; Envoy's
   default): its status, the server's verdict on the request, is its level: 5xx err, any other none, and nothing
   else in the line (the client's user name and request) is read for one (`engine/access_levels.py`, with its C twin
   `sources/access_levels.h`).
0. The headers a language runtime prints when an exception or panic nobody caught ends a thread or the
   process: CPython's traceback, the JVM's uncaught exception, Rust's panic, .NET's unhandled exception,
   Node's fatal exception report, and the line naming an exception where a stack printer writes it first
   (`psycopg2.OperationalError: ...`, `Caused by: java.net.ConnectException: ...`; `engine/crash_levels.py`, with
   its C twin `sources/crash_levels.h`).
0b. A level some programs write behind a prefix of their own, at the start or after their own time (`engine/
   program_levels.py`, with its C twin `sources/program_levels.h`): gpsd's `gpsd:ERROR: `, lldpd's `time [CRIT/fatal]
   `, MiniDLNA's `file.c:line: error: `, Bareos's and Bacula's `name JobId n: Fatal error: `, Open vSwitch's vlog
   `time|seq|module|ERR|`; then `engine/app_levels.py` (`sources/app_levels.h`): TeamSpeak's `time|CRITICAL|`,
   tarantool's `F>`, Privoxy's `Fatal error:`, PulseAudio's `E: [thread] file.c:`, motion's `[ALR]`, murmur's `<C>`,
   ESPHome's `[E][tag:line]:`, FHEM's `time 1: `.
1. `<N>` (N = 0..7) at the very start: sd-daemon(3)'s prefix (journald strips it unless
   SyslogLevelPrefix=no; wrappers and `-o cat` re-imports keep it). `<err>`, `<warning>`, ... likewise.
2. A JSON object (`{` first, `}` last): the value of the first top-level key among `JSON_KEYS`
   (zap, zerolog, slog, logrus, winston, tracing-subscriber json, logstash-logback-encoder: `"level"`;
   Google Cloud structured logging and systemd's own ECS-ish exporters: `"severity"`; log15: `"lvl"`;
   python-json-logger: `"levelname"`; Monolog: `"level"` 100..600 then `"level_name"`; Serilog: `"Level"`,
   CLEF `"@l"`; .NET's JsonConsoleFormatter: `"LogLevel"`, `"Error"` .. `"Information"`). A word value is a
   level word; a number is pino/bunyan's (10 trace .. 60 fatal) or Monolog's (100 debug .. 600 emergency), and
   one of 0..7 is read by the object's schema, a top-level key its program always writes: GELF's syslog level
   (`short_message`), Nextcloud's and ownCloud's 0 DEBUG .. 4 FATAL (`reqId`); else it is no level
   (structured_levels.SMALL_SCALES). Keys inside nested values never count.
   MongoDB 4.4+'s `"s"` counts only where its formatter writes it (`format_levels.mongo_json_level`), and
   Kibana's `"type":"log"` line's level only among its tags (`structured_levels.kibana_json_level`).
3. Fixed line formats at the start (`engine/format_levels.py`, with its C twin `sources/format_levels.h`):
   glog/klog/abseil, CockroachDB's `Lyymmdd`, ClickHouse's `<Error>`, Redis and Valkey, Go's runtime, .NET's
   `fail: Category[EventId]`, MongoDB up to 4.2 and Erlang/OTP's report headers; Icinga 2's `critical/Facility: `,
   Node-RED's `D Mon hh:mm:ss - [error] ` and Zigbee2MQTT 1.x's in `engine/service_levels.py`; GlusterFS's,
   libvirt's, certbot's, Xorg's `(EE)`, Ceph's cluster log's, Python logging's padded `time name ERROR   : `
   (Frigate), OSSEC's and Wazuh's `time daemon: ERROR: `, Suricata's `time - <Error> - ` and ZoneMinder's `time
   id[pid].ERR [` (and its syslog's `FAT [...]`) in `engine/daemon_levels.py`.
4. logfmt (go-kit, logrus's text formatter, slog's TextHandler, log15, Grafana/Loki/Prometheus): when the
   line starts with a `key=value` pair and every token up to the level key is one, the value of the first
   key among `LOGFMT_KEYS` (`level=error`, `lvl=eror`, `level="warn"`).
5. A level token after the program's own prefix, starting within `MAX_PREFIX` characters. Skipped as prefix:
   timestamps, numbers and pids (tokens that start with a digit: `2024-01-02`, `10:00:00,123`,
   `2024-01-02T10:00:00.123+01:00`, `1234:M`), one time zone after a time (`UTC`, `CEST`, `PM`, or a numeric
   offset: Fluentd's `2018-12-01 14:41:44 +0000 [warn]: ...`),
   bracketed groups (`[main]`, `[123]`, `[Tue Dec 20 02:55:07.123 2020]`, `[myid:1]`), separators
   (`-`, `---`, `|`), ANSI colour codes, and in particular places: Python logging's `name - ` (once),
   PostgreSQL's `user@db` (once, not first), Ruby Logger's `E, ` (first) and the program's own syslog-style
   ident `name[pid]` or `name[pid:tid]` followed by `:` or a blank (once: unbound's `[1764245823] unbound[812:0]
   error: ...`, dnsmasq's `dnsmasq[812]: ...`; `q=[1]` is no ident), and after a time Squid's kid label
   (`2026/11/27 12:17:03 kid1| FATAL: ...`, debug.cc: the time, ` kidN` in SMP mode, `| `), and first or after a time
   Libreswan's `pluto: ` (`_LIBRESWAN`); first, a syslog-style
   month (`Dec 02 01:10:00 ...`, `Dec  2 ...`: a month's abbreviation, a blank, a digit), as Dovecot's default
   log_timestamp writes it to a log file or stderr; first, ctime(3)'s weekday and month (`Tue Nov 24 12:20:35
   2026`), and after its numbers FreeRADIUS's ` : ` (src/main/log.c, a log file or `-l stdout`: `Tue Nov 24
   12:20:35 2026 : Error: rlm_sql (sql): Opening connection failed (8)`). The level token is
   - Dovecot's (src/lib/failures.c, log_path a file or /dev/stderr), first or after a time: its process prefix
     `name`, `name(context)`, then `<pid>`, `<session>` groups, `: `, then `Debug: `, `Info: `, `Warning: `,
     `Error: `, `Fatal: ` or `Panic: ` (`Dec 02 01:10:00 auth-worker(4567): Error: mysql(...): Connect
     failed ...`, `imap(alice@example.org)<23456><kV3x9Pc8kMjAqBIP>: Error: ...`); Fatal and Panic are crit, as
     Dovecot sends both to syslog (LOG_CRIT);
   - Telegraf's indicator, first or after a time (`2026-11-27T12:17:07Z E! [outputs.influxdb_v2] ...`: `E!`,
     `W!`, `I!`, `D!`, `T!`, logger.go's level.Indicator());
   - a level word written in capitals followed by a space, tab, `:`, `[`, `/` or the end: log4j, logback
     and slf4j (`2024-01-02 10:00:00,123 ERROR [main] c.e.Foo - msg`, `ERROR [main] ...`), Spring Boot,
     Hadoop/ZooKeeper, Tomcat/JUL (`SEVERE`), Rust tracing-subscriber (`2024-...Z ERROR my_crate: msg`),
     zap's console encoder (tab separated), zerolog's console writer (`ERR`, `WRN`), log15's terminal
     format (`EROR[01-02|10:00:00] msg`), Python logging (`ERROR:name:msg`, `... - name - ERROR - msg`);
   - a level word in any of `ERROR`, `Error`, `error` followed by `:`: PostgreSQL (`ERROR:`, `FATAL:`,
     `PANIC:`, also after its log_line_prefix: `2024-01-02 10:00:00.123 UTC [123] FATAL: ...`), uvicorn
     (`ERROR:    ...`), winston's simple format (`error: msg`), Node's uncaught `Error: ...`;
   - a bracket holding just a level word (any of the three spellings, padding allowed): Python/gunicorn
     and hclog (`[ERROR]`), MySQL (`... 0 [ERROR] [MY-010119] [Server] ...`, `[Warning]`, `[Note]`), nginx
     (`2024/01/02 10:00:00 [emerg] 123#0: ...`), Apache 2.2 (`[Tue Dec 20 ...] [error]`), Elasticsearch
     (`[WARN ]`), katip (`[2020-12-20 02:55:07][Cachix][Error][host][PID 654]...`: the third bracket);
   - Apache 2.4's `[module:level]` (`[proxy:error]`, `[core:crit]`, `[:error]`);
   - a bracket that starts with a timestamp and goes on with a capitalised level word: Rust env_logger
     (`[2024-01-02T10:00:00Z ERROR my_crate] msg`), Celery (`[2024-01-02 10:00:00,123: ERROR/MainProcess]`);
   - a bracket that starts with the level's first letter (`D`, `I`, `W`, `E`, `C`ritical) and a space, then a
     timestamp: Tornado's LogFormatter (`[%(levelname)1.1s %(asctime)s %(module)s:%(lineno)d]`:
     `[E 241126 14:00:00 web:2246] 500 GET /`) and traitlets' (Jupyter: `[E 2024-11-26 14:00:00.123 ServerApp]`);
     Phusion Passenger's, a blank before its marker (`[ E 2020-08-20 07:15:48.4685 3391/T8 file.cpp:671 ]: `:
     `_PASSENGER`);
   - PHP's `PHP Fatal error:`, `PHP Warning:`, ... (PHP's error_log, also after a `[date]`).
   Any other token ends the search: no level.
6. Where step 5 found none, PostgreSQL's own `LEVEL:  ` after a log_line_prefix it stops in (`_postgres_level`:
   Amazon RDS's `...UTC:10.0.1.5(53422):app@appdb:[12345]:ERROR:  `, pgbadger's `... user=app,db=shop,app=psql,
   client=10.0.1.5 ERROR:  `, `< %m >`), on the prefix the postgres rules anchor on; or the severity field of
   its csvlog row (`_postgres_csv_level`: `2024-01-02 10:00:00.123 UTC,"app","shop",123,...,FATAL,53300,"..."`).
   Its jsonlog's `error_severity` is step 2's.

Level words map to syslog priorities as in `LEVEL_WORDS` (emerg/panic 0, alert 1, crit/fatal 2,
err/severe 3, warning 4, notice 5, info 6, debug/trace 7), with the spellings the programs above use
(`eror`, `dbug`, zerolog's `ERR`/`WRN`/`INF`/`DBG`/`TRC`/`FTL`/`PNC`, PostgreSQL's `LOG` and `DEBUG1`..5,
Apache's `trace1`..8, .NET's `Information`/`Verbose`). PostgreSQL's `FATAL:  ` and `PANIC:  ` (its colon and
two spaces) are err and crit, as PostgreSQL sends them to syslog (`POSTGRES_LEVELS`). `SEVERE` is
java.util.logging's top level (it has no ERROR; Tomcat's JULI writes it): SLF4J's jul-to-slf4j bridge
(SLF4JBridgeHandler) and Log4j's JUL adapter map it to ERROR, so it is err, not crit (one SEVERE line is no
critical page).
"""

from __future__ import annotations

import re

from .access_levels import NOT_ACCESS, SERVER_ERROR, access_level
from .app_levels import app_level, kernel_level
from .crash_levels import CRASH_HEADERS, crash_level
from .daemon_levels import ZONEMINDER_LEVELS
from .format_levels import FIXED_FIRST, fixed_level
from .level_words import LEVEL_WORDS, NUMBERED, POSTGRES_LEVELS, WORD, word_level
from .prefix_levels import MAX_PREFIX, MONTHS, NAMED_PREFIXES, WEEKDAYS, prefix_level, timestamp_level
from .program_levels import program_level
from .structured_levels import JSON_KEYS, JSON_NUMBERS, LOGFMT_KEYS, NOT_LOGFMT, json_level, logfmt_level

__all__ = ["DOCKER_STDERR", "JSON_KEYS", "JSON_NUMBERS", "LEVEL_WORDS", "LOGFMT_KEYS", "NUMBERED", "TEXT_DEFAULT",
           "effective_priority", "text_level", "word_level"]


TEXT_DEFAULT = 6
"""journald's priority for stdout lines without a `<N>` prefix: the text may say more."""
DOCKER_STDERR = 3
"""The priority Docker's journald log driver gives a container's stderr lines, whatever they say."""

STDERR_UNLEVELLED = 5
"""The level of a container's stderr line whose text names none (level_source "stream"): notice. stderr is where
Go's log package, Rust's eprintln!, Python's logging and most daemons write every line, so it says a line is
worth keeping, not that it is an error: at Docker's 3 a healthy Go container logging "processed job 94427" a
hundred times a minute held error-burst firing for its whole life (helper-163's trial). Its words still count:
a signature matches them, a level they name is theirs."""


_WORD = WORD
_SD_DAEMON = re.compile(r"<([0-7])>")
_SYSLOG_WORD = re.compile(r"<([A-Za-z]+)>")

_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_LEAD_ON = frozenset("=_.-:,[!(")


def text_level(message: str) -> int | None:
    """The syslog priority (0 emerg .. 7 debug) the program wrote as its line's level, or None."""
    if not message:
        return None
    first = message[0]
    if first != "{" and first != "<" and (access := access_level(message)) != NOT_ACCESS:
        return SERVER_ERROR if access == SERVER_ERROR else None  # A. an access log line: its status alone
    if first in CRASH_HEADERS and (level := crash_level(message)) is not None:
        return level
    if (level := program_level(message)) is not None or (level := app_level(message)) is not None:
        return level
    if first in _LETTERS:  # the commonest case, decided early: a line that starts with a plain word
        lead = _WORD.match(message)
        word, stop = lead[0], lead.end()  # type: ignore[index, union-attr]
        follows = message[stop:stop + 1]
        if follows not in _LEAD_ON and word.lower() not in LEVEL_WORDS and word not in NAMED_PREFIXES \
                and not word[-1].isdigit() and not (follows == " " and message.startswith(" - ", stop)) \
                and not (stop == 1 and message.startswith(" [", stop)) \
                and not (word in ZONEMINDER_LEVELS and message.startswith(" [", stop)) \
                and word not in MONTHS and word not in WEEKDAYS:
            return None  # (no level word, logfmt key, Python logger name, glog or Ruby mark can start here)
    elif first == "<":
        found = _SD_DAEMON.match(message)
        if found:
            return int(found[1])
        found = _SYSLOG_WORD.match(message)
        return word_level(found[1], True) if found else _postgres_level(message)
    elif first == "{":
        return json_level(message)
    if first in FIXED_FIRST and (level := fixed_level(message)) is not None:
        return level
    if "0" <= first <= "9" and (level := timestamp_level(message)) is not None:
        return level
    if "level=" in message or "lvl=" in message or "severity=" in message:
        level = logfmt_level(message)
        if level is not NOT_LOGFMT:
            return level
    level = prefix_level(message)
    return level if level is not None or first not in _POSTGRES_FIRST else _postgres_level(message)


def effective_priority(priority: int | None, message: str, kernel: bool = False,
                       container: bool = False) -> tuple[int | None, str]:
    """(the priority that counts, where it came from: "journal" or "text"). The text counts only when
    the journal has no PRIORITY or the stdout default, 6, and the text names a level; never for a kernel
    line (`kernel`: _TRANSPORT=kernel) without PRIORITY, as dmesg and a syslog file print them: the kernel
    writes its level in the `<N>` they strip, and its words are no level (hung_task.c's pr_err("INFO: task
    %s:%d blocked ..."), RCU's pr_err("INFO: rcu_sched self-detected stall")): such a line has none, and
    -p takes its worst matching rule's (Selection.rule_level); but DRM's `*ERROR*`, which only KERN_ERR lines print
    (app_levels.kernel_level). A container's line that Docker's journald log driver
    wrote (`container`: sources/selection.subject_unit's `docker.service/NAME`) has its stream's default, stdout 6
    and stderr DOCKER_STDERR (moby daemon/logger/journald: journal.PriErr for stderr), so its text says more at
    either: Python's logging writes every level to stderr; a stderr line that names none is STDERR_UNLEVELLED
    ("stream")."""
    if priority is None and kernel:
        return (level, "text") if (level := kernel_level(message)) is not None else (None, "journal")
    if priority is None or priority == TEXT_DEFAULT or (container and priority == DOCKER_STDERR):
        level = text_level(message)
        if level is not None:
            return level, "text"
        if container and priority == DOCKER_STDERR:
            return STDERR_UNLEVELLED, "stream"
    return priority, "journal"


# ---- 6. PostgreSQL's level after a log_line_prefix step 5 cannot read ------------------------------

_POSTGRES_FIRST = frozenset("0123456789[<(")
_POSTGRES_WORDS = r"(DEBUG[1-5]|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC)"
"""PostgreSQL's severities as elog.c writes them (error_severity), its prefix's and its csvlog's alike."""
POSTGRES_PREFIX = r"(?:[\t !#-&(-9;-z|~]|:(?! )|(?<=[\])]):(?!  ))*?(?<=[\t :\]>)])"
"""A log_line_prefix as _postgres_level reads one (no quote, no colon and blank but `]: ` and `): `), up to the level
(engine/client_lines.py reads a session's FATAL after the same)."""
_POSTGRES = re.compile(POSTGRES_PREFIX + r"(?<![A-Za-z0-9_]: )" + _POSTGRES_WORDS + ":  ")


def _postgres_level(line: str) -> int | None:
    """PostgreSQL's own severity, its colon and two spaces (elog.c: `ERROR:  `), after a log_line_prefix that
    starts with a digit, `[`, `<` or `(` and holds no quote, brace, or colon followed by a blank but `]: ` and
    `): ` (the prefix the postgres rules anchor on), the level after a blank, `:`, `]`, `>` or `)`: Amazon
    RDS's `%t:%r:%u@%d:[%p]:` (`2023-05-10 12:00:01 UTC:10.0.1.5(53422):app@appdb:[12345]:ERROR:  ...`),
    pgbadger's `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ` and old Red Hat packages' `< %m >`. Step 5
    stops at their `UTC:`, `[12345]:` or `>`. The level starts within MAX_PREFIX characters; FATAL and PANIC
    as POSTGRES_LEVELS. Else a csvlog row's severity (_postgres_csv_level)."""
    # (no `:  ` where a level could end, the commonest answer, is told at once)
    found = _POSTGRES.match(line, 0, MAX_PREFIX + 10) if ":  " in line[:MAX_PREFIX + 10] else None
    if found is None or found.start(1) >= MAX_PREFIX:
        return _postgres_csv_level(line)
    word = found[1]
    return POSTGRES_LEVELS.get(word) or word_level(word, False)


_CSV_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})? [A-Za-z0-9+-]{1,10},")
_CSV_FIELD = re.compile(r'"(?:[^"]|"")*+"|[^",\n]*+')
_CSV_SEVERITY = re.compile(_POSTGRES_WORDS + r",[0-9A-Z]{5},")
CSV_SEVERITY_FIELD = 11
"""The severity's field in PostgreSQL's csvlog, counted from 0 (src/backend/utils/error/csvlog.c write_csvlog:
log_time, user_name, database_name, process_id, connection_from, session_id, session_line_num, command_tag,
session_start_time, virtual_transaction_id, transaction_id, error_severity, sql_state_code, message, ...)."""


def _postgres_csv_level(line: str) -> int | None:
    """PostgreSQL's severity in a csvlog row (`log_destination = 'csvlog'`: Zalando's Spilo and the Patroni images
    write it): the row's time with milliseconds and zone (`%m`), ten fields (quoted ones with `""` inside), then the
    severity and the SQLSTATE after it. FATAL and PANIC as POSTGRES_LEVELS."""
    found = _CSV_TIME.match(line)
    if found is None:
        return None
    at = found.end()
    for _ in range(CSV_SEVERITY_FIELD - 1):
        at = _CSV_FIELD.match(line, at).end()  # type: ignore[union-attr]  # (it matches empty)
        if not line.startswith(",", at):
            return None
        at += 1
    severity = _CSV_SEVERITY.match(line, at)
    if severity is None:
        return None
    return POSTGRES_LEVELS.get(severity[1]) or word_level(severity[1], False)
