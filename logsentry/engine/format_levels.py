"""Step 3 of the text level grammar (engine/levels.py): fixed line formats whose level is a letter or a mark,
not a level word, or a word after a prefix the general step does not skip, read where the program writes it.

- glog, klog and abseil (glog's LogMessage::Init, klog's FormatHeader: `Lmmdd hh:mm:ss.uuuuuu threadid
  file:line] msg`, glog 0.6+ also with the year, `E20241130 ...`): `I` info, `W` warning, `E` err, `F` crit;
  SeaweedFS's own glog since 3.x without the thread id and `]` (seaweedfs/seaweedfs weed/glog/glog.go formatHeader:
  `Lmmdd hh:mm:ss.uuuuuu file:line `, one blank each: `E0221 00:18:18.464568 needle_read.go:45 seaweed/volume/3.dat
  read 0 dataSize ...: EOF`, whose 9 read errors in 18 s had no level: trial 62's 22);
- CockroachDB's crdb-v1 and crdb-v2 (pkg/util/log/format_crdb_v1.go, format_crdb_v2.go: `Lyymmdd hh:mm:ss.uuuuuu
  goid [chan@]file:line marker [tags] counter  msg`, glog-like but the date is YYMMDD, 6 digits, and no `] `
  follows the file): `W261127 12:17:03.000020 1464 kv/kvserver/liveness/liveness.go:781 ⋮ [T1,n1,liveness-hb] 37067
  failed node liveness heartbeat: ...`. Read as CockroachDB's own parser (entryREV1/entryREV2) reads it: the goid
  optional (v1.0 had none), the zone `+hhmmss` of a `timezone:` sink, `(gostd) ` before a Go library's file, then
  the redactability marker `⋮` or nothing (two spaces). `I` info, `W` warning, `E` err, `F` crit, as glog's;
- ClickHouse's server log (src/Loggers/OwnPatternFormatter.cpp: `yyyy.mm.dd hh:mm:ss.uuuuuu [ tid ] {query_id}
  <Priority> source: msg`): `2026.11.27 12:17:05.347509 [ 694 ] {eeaa...} <Error> executeQuery: Code: 241. ...`;
  the `{query_id}` is empty (`{}`) outside a query and absent before ClickHouse wrote it (about 2018). The query id
  is a client's string, so it is read only as printable ASCII without space, `{` and `}`: no query id can close the
  braces and forge a level. Its Poco priority names (InternalTextLogsQueue::getPriorityName) map as Poco's
  SyslogChannel sends them to syslog (`CLICKHOUSE_LEVELS`: `<Fatal>` alert, `<Critical>` crit, `<Error>` err,
  `<Warning>`, `<Notice>`, `<Information>`, `<Debug>`/`<Trace>`/`<Test>` debug);
- Redis (serverLogRaw's `pid:role date level-char msg`, `.` debug, `-` verbose, `*` notice, `#` warning,
  Redis's highest): `1234:M 02 Jan 2024 10:00:00.123 # msg` (today), `1234:M 02 Jan 10:00:00.123 # msg`
  (3.0 to 4.0: no year), `[1234] 02 Jan 10:00:00.123 # msg` (2.6 and 2.8: redis.c's redisLogRaw, the pid in
  brackets) and `[1234] 02 Jan 10:00:00 # msg` (up to 2.4: no milliseconds); Valkey's other
  log-timestamp-format values: `1234:M 2024-01-02T10:00:00.123+01:00 # msg` (iso8601) and
  `1234:M 1704186000123 # msg` (milliseconds);
- Go's runtime: `panic: ` (an unrecovered panic) and `fatal error: ` (runtime.throw), both crit;
- .NET's console logger (Microsoft.Extensions.Logging.Console, SimpleConsoleFormatter, the default when stdout
  is no terminal): `fail: Category[EventId]`, then the message indented on the next line (or after a space with
  SingleLine), `fail` being LogLevel.Error (err). Its other marks are level words the prefix step reads
  (`crit:`, `warn:`, `info:`, `dbug:`); `fail` is no level word elsewhere, so only this shape counts: the
  category a .NET type name, its event id in brackets, then the end of the line or a space. An ASP.NET service
  failing every request under systemd (journald stores stdout at PRIORITY 6) says so only here
  (`fail: Microsoft.EntityFrameworkCore.Database.Connection[20004]`, npgsql/efcore.pg#3402);
- Sidekiq 6 and 7 (lib/sidekiq/logger.rb, Formatters::Pretty: `TIME pid=P tid=T[ key=value ...] SEVERITY: msg`,
  the time ISO 8601 UTC with milliseconds, the job's context as key=value pairs): Ruby Logger's `DEBUG`, `INFO`,
  `WARN`, `ERROR`, `FATAL` (crit). Sidekiq runs the background jobs of GitLab, Mastodon and Discourse under
  systemd, its log on stdout (PRIORITY 6), and its `ERROR: Error fetching job: ...` (Redis gone) had no level;
  Sidekiq 3 to 5 (lib/sidekiq/logging.rb, Logging::Pretty: `TIME PID TID-tid[ context] SEVERITY: msg`, the time
  with milliseconds from 4 on, the context the job's class and `JID-...`), likewise: `2014-09-10T15:43:49Z 60056
  TID-oxwbvr7zk ERROR: heartbeat: Waited 1 sec` (sidekiq/sidekiq#1941) had no level;
- MongoDB up to 4.2 (logger/message_event_utf8_encoder.cpp: `date severity component [context] msg`):
  `2020-05-20T19:18:40.604+0000 E  NETWORK  [conn1] msg`, the date in ISO 8601 local (`+0000`, the default)
  or UTC (`Z`), the severity `F` (SEVERE, MongoDB's highest), `E`, `W`, `I`, `D`, `D1`..`D5` (4.0 on the
  compact form, padded to two columns), the component in capitals (`NETWORK`, `REPL_HB`) or `-`, then the
  context in brackets. (The ctime date option, `Wed May 20 19:18:40.604`, is not read.)
- Gitea and Forgejo (modules/log/event_format.go, EventFormatTextMessage with the default flags `stdflags`: date,
  time, medfile, shortfuncname, levelinitial): `2026/12/01 10:00:00 ...s/context/context.go:232:HTML() [E] msg`,
  the level's initial in brackets (`T`, `D`, `I`, `W`, `E`, `C`ritical in old releases, `F`), or the whole name
  with the flag `level` (`[ERROR]`). Gitea logs to the console (stdout: PRIORITY 6 under systemd) by default, and
  the caller before the level is no prefix the general step skips. The caller is read as Gitea writes it: a Go
  file and its line (`file.go:123`), maybe `:func()` after it, printable ASCII but `[` and `]`; or absent (flags
  without a file); or, as Gitea wrote it until 1.9 (modules/log, its Error, Critical and Fatal), in brackets with
  the function after a blank: `2017/05/20 14:34:21 [...gitea/models/repo.go:2042 CheckRepoStats()] [E] msg`
  (go-gitea/gitea#1769, "literally hundreds" of them with no level);
- Ceph's daemons on stderr (src/log/Log.cc: the time, the thread id in hex, the dout priority as `%2d`, then
  the message; cephadm before Quincy ran them with `--default-log-stderr-prefix="debug "`, a crash dump puts
  `%6ld> ` first): `2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1 osd.3 4420 heartbeat_check: no reply from ...`.
  The priority maps as Ceph's own journald logger maps it (src/common/Journald.cc map_prio: below 0 err, 0
  warning, 1-4 notice, 5-9 info, 10 and more debug), except a cluster log line (`0 log_channel(cluster) log [WRN]
  : ...`), which has its own level, mapped as Ceph's clog_type_to_syslog_level does (`[DBG]` debug, `[INF]`
  info, `[WRN]` warning, `[ERR]` err, `[SEC]` crit);
- Monolog's LineFormatter (src/Monolog/Formatter/LineFormatter.php, SIMPLE_FORMAT `[%datetime%] %channel%.%level_name%:
  %message% %context% %extra%`), what Laravel (storage/logs/laravel.log, or stderr with LOG_CHANNEL=stderr under
  systemd: PRIORITY 6), Symfony and Magento write: `[2024-02-04 19:22:11] production.ERROR: SQLSTATE[HY000] [2002]
  Connection refused ...`, `[2024-01-01T00:00:00.123456+00:00] request.CRITICAL: Uncaught PHP Exception ...`. The
  datetime is the application's format, read as a bracket that starts with a digit (printable ASCII, at most 64
  characters); the channel a name without dots; the level one of Monolog's eight names (Level::getName, RFC 5424's:
  `MONOLOG_LEVELS`, as its SyslogHandler maps them), then `: `. Read as it was, no step found the level behind the
  channel's dot: a Laravel app failing every request logged ERROR lines with no level;
- Erlang/OTP's report header, alone on its line (error_logger's tty handler; logger_formatter with
  legacy_header, which RabbitMQ before 3.7 and many OTP releases print): `=ERROR REPORT==== 26-Nov-2024::14:00:00
  ===`, with microseconds since OTP 21. The title is a logger level in capitals (`EMERGENCY` .. `DEBUG`) or a
  SASL report's: `CRASH` (a process died) and `SUPERVISOR` (a supervisor's child died) are err, as OTP logs
  them, `PROGRESS` info.
- stunnel's log file and what it sends to syslog (src/log.c: s_log's stamp `%04d.%02d.%02d %02d:%02d:%02d` and id
  `LOG%d[%s]` of the syslog level and the thread's id, log_raw's `"%s %s: %s"` to a file and `syslog(level, "%s: %s",
  id, text)`): `2021.01.13 17:33:18 LOG3[1:140635606472448]: error queue: ... certificate verify failed`, `LOG5[main]:
  Reading configuration from file ...`. The digit is the syslog level stunnel logged at (0 to 7, the priority itself),
  the id printable ASCII without brackets, at most 64 characters. Its lines had no level (trial 62's 21): a syslog file
  keeps no priority, and `LOG3` is no word;
- zap's console encoder with a lower-case level (uber-go/zap zapcore/console_encoder.go: the time, the level, the
  logger's name and caller, each then ConsoleSeparator, a tab by default; zapcore/level.go LowercaseLevelEncoder
  writes Level.String(), `debug` .. `fatal`): `2025-02-20T15:30:17.360Z<TAB>error<TAB>internal/queue_sender.go:103<TAB>
  Exporting failed. Dropping data.<TAB>{...}` (the OpenTelemetry Collector's default; trial 62's 28: no level). The
  time (ISO 8601, epoch seconds `1.7400648e+09`, a layout's `2025-02-20 15:30:17`) printable ASCII starting with a
  digit, at most 64 characters, a tab, the level, a tab. `dpanic` (a panic in development only) is crit, `panic`
  emerg and `fatal` crit as the level words are (`ZAP_LEVELS`); its capitals (`ERROR`) are the level word step 5
  reads;
- Icinga 2's `[time] critical/Facility: `, Node-RED's `D Mon hh:mm:ss - [error] ` and Zigbee2MQTT 1.x's
  `Zigbee2MQTT:error time: `, in engine/service_levels.py (with its C twin sources/service_levels.h).
- GlusterFS's `[time] E [MSGID: n] `, libvirt's `time: tid: error : `, certbot's log file `time:ERROR:name:`, Xorg's
  `[ uptime] (EE) `, Ceph's cluster log file `time name (rank) seq : cluster [WRN] `, Python logging's `time name
  LEVEL   : `, OSSEC's `time daemon: ERROR: `, Suricata's `time - <Error> - ` and ZoneMinder's `time id[pid].ERR [`
  (its syslog's `FAT [...]`), in engine/daemon_levels.py
  (with its C twin sources/daemon_levels.h).

And one key of step 2 (JSON): MongoDB 4.4+ (logv2/json_formatter.cpp) writes `{"t":{"$date":"..."},"s":"E",
"c":"NETWORK", "id":..., "ctx":..., "msg":...}`; its severity code (LogSeverity::toStringDataCompact: `F`, `E`,
`W`, `I`, `D1`..`D5`) counts as the key right after that timestamp object, as the formatter writes it, and
nowhere else: `"s"` is no level key of any other program.

`sources/format_levels.h` is the C twin; tests/test_levels.py and tests/test_levels_formats.py hold the two to
the same answers.
"""

from __future__ import annotations

import re

from .daemon_levels import CLOG_LEVELS, daemon_level
from .daemon_levels import FIRST as DAEMON_FIRST
from .service_levels import FIRST as SERVICE_FIRST
from .service_levels import service_level

FIXED_FIRST = frozenset("IWEFPDT0123456789[pf=d XACNL") | SERVICE_FIRST | DAEMON_FIRST
"""The first characters of these formats: other lines need no look."""
MONGO_JSON_START = '{"t":{"$date":"'

_GLOG = re.compile(r"([IWEF])[0-9]{4}(?:[0-9]{4})? [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? +[0-9]+ "
                   r"[!-9;-\\^-~]+:[0-9]+\] ")
_SEAWEED_GLOG = re.compile(r"([IWEF])[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [!-/;-\\^-~][!-9;-\\^-~]*:[0-9]+ ")
"""SeaweedFS's glog header (weed/glog/glog.go formatHeader): no thread id, no `]`; the file starts with no digit."""
_STUNNEL = re.compile(r"(?:[0-9]{4}\.[0-9]{2}\.[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} )?LOG([0-7])\[[ -Z\\^-~]{1,64}\]: ")
_ZAP_CONSOLE = re.compile(r"[0-9][ -~]{0,63}\t(debug|info|warn|error|dpanic|panic|fatal)\t")
ZAP_LEVELS = {"debug": 7, "info": 6, "warn": 4, "error": 3, "dpanic": 2, "panic": 0, "fatal": 2}
"""zap's levels (zapcore/level.go) as syslog priorities: as the level words, `dpanic` crit."""
_GLOG_LEVELS = {"I": 6, "W": 4, "E": 3, "F": 2}
_LOGRUS_TTY = re.compile(r"(PANI|FATA|ERRO|WARN|INFO|DEBU|TRAC)\[(?:[0-9]{4,}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
                         r"[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2}))\] ")
LOGRUS_TTY_LEVELS = {"PANI": 0, "FATA": 2, "ERRO": 3, "WARN": 4, "INFO": 6, "DEBU": 7, "TRAC": 7}
"""logrus's TextFormatter on a terminal (text_formatter.go printColored): the level's name in capitals cut to four
letters, then `[seconds since start]` (`%04d`) or, with FullTimestamp, `[time]` in its TimestampFormat (RFC 3339,
dockerd's with nanoseconds), a space and the message: `ERRO[2021-04-12T16:04:16.068413882+08:00] containerd did
not exit successfully ...`, what `dockerd --debug` run by hand prints and bug reports paste (moby/moby#34091).
The colour codes around the level are gone in a paste. PANI is logrus's panic level, as its JSON `"panic"`."""
_COCKROACH = re.compile("([IWEF])[0-9]{6} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}(?:[+-][0-9]{6})? (?:[0-9]+ )?"
                        "(?:\\(gostd\\) )?[!-9;-~]+:[0-9]+ (?:\u22ee)? ")
_CLICKHOUSE = re.compile(r"[0-9]{4}\.[0-9]{2}\.[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? \[ [0-9]+ \] "
                         r"(?:\{[!-z|~]*\} )?<([A-Za-z]+)> ")
CLICKHOUSE_LEVELS = {"Fatal": 1, "Critical": 2, "Error": 3, "Warning": 4, "Notice": 5, "Information": 6, "Debug": 7,
                     "Trace": 7, "Test": 7}
"""ClickHouse's priority names (Poco's Message::Priority) and the syslog level Poco's SyslogChannel gives each."""
_REDIS = re.compile(r"(?:[0-9]+:[XCSM]|\[[0-9]+\]) (?:[0-9]{1,2} [A-Z][a-z]{2} (?:[0-9]{4} )?"
                    r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?"
                    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}|[0-9]{13})"
                    r" ([.*#-]) ")
_REDIS_LEVELS = {".": 7, "-": 7, "*": 5, "#": 4}
_GO = ("panic: ", "fatal error: ")
_CUPS = re.compile(r"([XACEWNIDd]) \[[0-3][0-9]/[A-Z][a-z]{2}/[0-9]{4}:[0-2][0-9]:[0-5][0-9]:[0-6][0-9] "
                   r"[+-][0-9]{4}\] ")
CUPS_LEVELS = {"X": 0, "A": 1, "C": 2, "E": 3, "W": 4, "N": 5, "I": 6, "D": 7, "d": 7}
"""CUPS's error_log (scheduler/log.c cupsdLogMessage: `"%c %s ", levels[level], cupsdGetDateTime(...)`, the levels
`" XACEWNIDd"` of CUPSD_LOG_NONE .. CUPSD_LOG_DEBUG2, the time in Common Log Format): `E [24/Sep/2020:15:35:45
+0300] Unable to open listen socket for address :631 - Address already in use.` had its time read, not its level
(trial 60's 22: `-p err` kept none of its lines)."""
_DOTNET_FAIL = re.compile(r"fail: [A-Za-z_][A-Za-z0-9_.`+]*\[[0-9]+\](?= |\n|\Z)")
_SIDEKIQ = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z pid=[0-9]+ tid=[a-z0-9]+"
                      r"(?: [A-Za-z_][A-Za-z0-9_]*=[!-~]*)* (DEBUG|INFO|WARN|ERROR|FATAL):(?= |\n|\Z)")
_SIDEKIQ_TID = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?Z [0-9]+ TID-[a-z0-9]+"
                          r"(?: [A-Za-z0-9_:.-]+)*? (DEBUG|INFO|WARN|ERROR|FATAL):(?= |\n|\Z)")
_SIDEKIQ_LEVELS = {"DEBUG": 7, "INFO": 6, "WARN": 4, "ERROR": 3, "FATAL": 2}
MAX_PREFIX = 200
"""A level after a variable prefix (Sidekiq's, ClickHouse's) starts within this many characters (levels.MAX_PREFIX,
as for every prefix)."""
_MONGO_LEVELS = {"F": 2, "E": 3, "W": 4, "I": 6, "D": 7, "D1": 7, "D2": 7, "D3": 7, "D4": 7, "D5": 7}
_MONGO_JSON = re.compile(r'\{"t":\{"\$date":"[^"\\]*"\},"s":"(F|E|W|I|D[1-5])",')
_MONGO_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(?:Z|[+-][0-9]{4}) "
                         r"(F|E|W|I|D[1-5]?) +(?:-|[A-Z][A-Z0-9_]*) +\[")
_GITEA = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})? "
                    r"(?:[!-Z\\^-~]*\.go:[0-9]+(?::[!-Z\\^-~]*)? |\[[!-Z\\^-~]*\.go:[0-9]+ [!-Z\\^-~]+\] )?"
                    r"\[([A-Z]+)\] ")
GITEA_LEVELS = {"T": 7, "D": 7, "I": 6, "W": 4, "E": 3, "C": 2, "F": 2, "TRACE": 7, "DEBUG": 7, "INFO": 6, "WARN": 4,
                "ERROR": 3, "CRITICAL": 2, "FATAL": 2}
"""Gitea's levels (modules/log/level.go: Trace .. Fatal; Critical until 1.20) by initial and by name. log.Fatal
exits the program: crit, as Critical."""
_CEPH = re.compile(r"(?:debug )?(?: *-?[0-9]+> )?[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3,6}"
                   r"(?:[+-][0-9]{4})? [0-9a-f]+ (-[0-9]| [0-9]|[0-9]{2}) "
                   r"(?:log_channel\([a-z]+\) log \[([A-Z]{3})\] : )?")


def ceph_level(found: re.Match[str]) -> int | None:
    """Ceph's dout priority as its journald logger maps it, or a cluster log line's own level."""
    if found[2] is not None:
        return CLOG_LEVELS.get(found[2])
    prio = int(found[1])
    return 3 if prio < 0 else 4 if prio == 0 else 5 if prio < 5 else 6 if prio < 10 else 7


_MONOLOG = re.compile(r"\[[0-9][ -Z\\^-~]{0,63}\] [A-Za-z0-9_-]{1,64}\."
                      r"(DEBUG|INFO|NOTICE|WARNING|ERROR|CRITICAL|ALERT|EMERGENCY):(?= |\n|\Z)")
MONOLOG_LEVELS = {"DEBUG": 7, "INFO": 6, "NOTICE": 5, "WARNING": 4, "ERROR": 3, "CRITICAL": 2, "ALERT": 1,
                  "EMERGENCY": 0}
"""Monolog's level names (RFC 5424's) and the syslog priority each is (Monolog's SyslogHandler)."""
_ERLANG = re.compile(r"=([A-Z]+) REPORT==== [0-9]{1,2}-[A-Z][a-z]{2}-[0-9]{4}::[0-9]{2}:[0-9]{2}:[0-9]{2}"
                     r"(?:\.[0-9]+)? ===(?=\n|\Z)")
_ERLANG_LEVELS = {"EMERGENCY": 0, "ALERT": 1, "CRITICAL": 2, "ERROR": 3, "CRASH": 3, "SUPERVISOR": 3, "WARNING": 4,
                  "NOTICE": 5, "INFO": 6, "PROGRESS": 6, "DEBUG": 7}


def fixed_level(message: str) -> int | None:
    """The priority of a fixed format's level at the start of `message` (not empty), or None."""
    first = message[0]
    if first in "PFEWIDT" and (found := _LOGRUS_TTY.match(message)):
        return LOGRUS_TTY_LEVELS[found[1]]
    if first in "IWEF" and (found := _GLOG.match(message)):
        return _GLOG_LEVELS[found[1]]
    if first in "IWEF" and (found := _COCKROACH.match(message)):
        return _GLOG_LEVELS[found[1]]
    if first in "IWEF" and (found := _SEAWEED_GLOG.match(message)):
        return _GLOG_LEVELS[found[1]]
    if ("0" <= first <= "9" or first == "L") and (found := _STUNNEL.match(message)):
        return int(found[1])
    if "0" <= first <= "9" and (found := _ZAP_CONSOLE.match(message)):
        return ZAP_LEVELS[found[1]]
    if "0" <= first <= "9" and (found := _CLICKHOUSE.match(message)) and found.start(1) < MAX_PREFIX \
            and (level := CLICKHOUSE_LEVELS.get(found[1])) is not None:
        return level
    if ("0" <= first <= "9" or first == "[") and (found := _REDIS.match(message)):
        return _REDIS_LEVELS[found[1]]
    if first == "[" and (found := _MONOLOG.match(message)):
        return MONOLOG_LEVELS[found[1]]
    if message.startswith(_GO):
        return 2
    if first in "XACEWNIDd" and (found := _CUPS.match(message)):
        return CUPS_LEVELS[found[1]]
    if first == "f" and _DOTNET_FAIL.match(message):
        return 3
    if "0" <= first <= "9" and (found := _SIDEKIQ.match(message)) and found.start(1) < MAX_PREFIX:
        return _SIDEKIQ_LEVELS[found[1]]
    if "0" <= first <= "9" and (found := _SIDEKIQ_TID.match(message)) and found.start(1) < MAX_PREFIX:
        return _SIDEKIQ_LEVELS[found[1]]
    if "0" <= first <= "9" and (found := _MONGO_TEXT.match(message)):
        return _MONGO_LEVELS[found[1]]
    if "0" <= first <= "9" and (found := _GITEA.match(message)) and found.start(1) < MAX_PREFIX:
        return GITEA_LEVELS.get(found[1])
    if first in "0123456789d " and (found := _CEPH.match(message)):
        return ceph_level(found)
    if first == "=" and (found := _ERLANG.match(message)):
        return _ERLANG_LEVELS.get(found[1])
    if first in DAEMON_FIRST and (level := daemon_level(message)) is not None:
        return level
    if first in SERVICE_FIRST:
        return service_level(message)
    return None


def mongo_json_level(line: str) -> int | None:
    """MongoDB 4.4+'s severity code, for a JSON object line that starts with its timestamp object."""
    found = _MONGO_JSON.match(line)
    return _MONGO_LEVELS[found[1]] if found else None
