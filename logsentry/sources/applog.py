"""A program's own log file: each record starts with the program's timestamp, no host or identifier before it.

What people attach to a bug report and what public log collections hold (loghub's ZooKeeper, Hadoop, Apache,
OpenStack logs) is rarely syslog: it is the file log4j, Python logging, nginx, Apache, Redis or glog wrote.
A record starts with one of these times, optionally in brackets (`[2026-11-28 10:14:29,301] ERROR ...`, Kafka):

* `2026-11-28 10:14:29,301`, `2026-11-28T10:14:29.301Z`, `2026-11-28 10:14:29.301 UTC`, `2026/11/28 10:14:29`,
  `2026.11.28 10:14:29.301234`, `2017-04-20  18:23:52` (two blanks: Icecast's error.log), `2022-02-06  7:47:15` (the
  hour padded with a blank: MariaDB's error log from 10.2 on, sql/log.cc's `%d-%02d-%02d %2d:%02d:%02d`; from 10:00
  `2022-02-06 17:47:15`), with an optional zone
  (`Z`, `UTC`, `GMT`, `+01:00`): log4j/logback, Python
  logging, PostgreSQL, MySQL, Go's log, nginx's error log, ClickHouse, GlusterFS (`[... +0000] E [MSGID: ...`),
  certbot's log, Ceph's cluster log, and libvirt's, whose zone a colon follows (`2026-11-27 12:17:03.150+0000: 1234:
  error : ...`, virlog.c);
* `Sun Dec 04 04:47:44 2005`, `Sun Dec 04 04:47:44.123456 2005`: ctime(3), Apache's error log, FreeRADIUS;
* `1234:M 28 Nov 2026 10:14:29.301 #`: Redis and Valkey (serverLogRaw, 5.0 on), `1234:M 28 Nov 10:14:29.301 #`
  (3.0 to 4.0: no year), `[1234] 28 Nov 10:14:29.301 #` (2.6 and 2.8, redis.c's redisLogRaw) and `[1234] 28 Nov
  10:14:29 #` (up to 2.4), each with its level mark after the time (`.`, `-`, `*`, `#`); a time without a year takes
  the latest year that is not after the file's time, as syslog's;
* `E1128 10:14:29.301234`: glog, klog and abseil (no year: the latest that is not after the file's time);
  `E20261128 10:14:29.301234`: glog 0.6+ with the year; behind glog's `ERROR: logging before flag.Parse: ` (a Go
  program's lines before its flags are parsed, applog_times.GLOG_EARLY), which the MESSAGE leaves out;
  `F200615 06:38:02.091361`: CockroachDB's crdb-v1 header (`Lyymmdd`, in UTC as its log-formats documentation says);
  `I1011 11:48:17 19032 file.go:52] ` without the µs, as SeaweedFS's glog wrote it (weed/glog/glog.go: its files'
  header still says `Log line format: [IWEF]mmdd hh:mm:ss threadid file:line] msg`), read only before the thread id
  and `file:line] ` (trial 62: untimed);
* `081109 203615`: log4j's `yyMMdd HHmmss` (loghub's HDFS); `180921 10:00:21` and `180921  9:05:01`: MySQL's up to 5.6
  and MariaDB's up to 10.1 (sql/log.cc and InnoDB's ut_print_timestamp: `%02d%02d%02d %2d:%02d:%02d`);
* `17/06/09 20:10:40`: `yy/MM/dd HH:mm:ss`, Spark's default log4j pattern (conf/log4j2.properties.template);
* `6/7/2018 -- 16:51:47 - `: Suricata's suricata.log up to 6.x (src/util-debug.c's `%t`, `%d/%d/%04d --
  %02d:%02d:%02d`, day first, local time; `[pid] ` before it in the development format `[%i] %t - (%f:%l) <%d> (%n) --
  `); Suricata 7's `[%i - %m] %z `, its pid and thread in brackets before a year-first time (`[9438 - Suricata-Main]
  2023-08-26 13:49:20 Notice: suricata: ...`);
* `11.10.2024 22:16:43.877369 `: a day-first date with dots, as glibc's `%x` writes it in many languages (de_DE,
  ru_RU, pl_PL, fi_FI, ...), local time: ZoneMinder's log files (Logger.pm and zm_logger.cpp: `%x %H:%M:%S.%06d
  id[pid].CODE [...]`, its id and pid the line's identifier and PID; engine/daemon_levels.py reads its level);
* `2016-06-15_07:08:28.62971 `: runit's svlogd -tt (svlogd(8): `YYYY-MM-DD_HH:MM:SS.xxxxx`, UTC);
* `1764245823` or `1764245823.5`, ten digits from 2001 on: Unix seconds (unbound's log file);
* `04-Dec-2026 09:15:02.124 SEVERE [main] ...`: Tomcat's catalina.out and catalina.*.log (juli's
  OneLineFormatter: `dd-MMM-yyyy HH:mm:ss` and the milliseconds); the same date in brackets is PHP-FPM's log
  (sapi/fpm/fpm/zlog.c: `[%d-%b-%Y %H:%M:%S`, µs at log_level debug, `] `: `[05-Dec-2026 10:05:12] WARNING: [pool
  www] server reached pm.max_children ...`) and PHP's error_log (main.c: `d-M-Y H:i:s e`, the zone's name after
  it: `[05-Dec-2026 10:05:12 UTC] PHP Fatal error: ...`; UTC and GMT are read as such, another name as local time);
* `Dec 04, 2026 9:15:02 PM org.example.Main run` (and a JVM's language's month: `sept. 20, 2017 ...`, as glibc's
  abbreviations in sources/locale_months.py have it; Tomcat's `20-sept.-2017 ...` too, its level then in the same
  language, `GRAVE`, `AVERTISSEMENT`, `SCHWERWIEGEND`: engine/level_words.py): java.util.logging's SimpleFormatter
  by default (the JDK's `%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp %2$s%n%4$s: %5$s%6$s%n`: a 12-hour clock, then
  the level and the message on the next line, `SEVERE: ...`, which is a record of its own at that time, its level
  read at its start), and JDK 6's and Tomcat 6/7's with DateFormat.MEDIUM's unpadded day (`Apr 7, 2014 8:11:23 PM`);
* `10:00:05.456 [`: a time of day alone, before a bracket: logback's default pattern (`%d{HH:mm:ss.SSS} [%thread]
  %-5level %logger{36} - %msg%n`: `10:00:05.456 [main] ERROR c.e.App - ...`) and Elixir's Logger (`$time $metadata
  [$level] $message`: `10:00:05.456 [error] GenServer ... terminating`), and in brackets before Xorg's markers as
  SDDM writes its log file or stderr (sddm src/common/MessageHandler.h standardLogger: `"[%1] %2 %3\n"` of
  `hh:mm:ss.zzz` and `(II)`, `(WW)` or `(EE)`: `[22:49:02.480] (EE) DAEMON: Could not start Display server on vt 1`,
  trial 62's 10, untimed); the date is the latest that puts the first line no later than the file's time, one more at
  each midnight the lines pass (text_years.Days);
* an access log in the Common or Combined Log Format, its time in brackets after the client (`10.0.0.5 - -
  [05/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 502 ...`: Apache, nginx); uWSGI's ctime in brackets
  (access_times.UWSGI);
* after the PID in brackets: NATS's server log (server/log.go, the `[%d] ` of its pid, then Go's log flags' date and
  time with µs: `[8] 2021/12/08 13:47:06.804923 [INF] ...`);
* CUPS's error_log (scheduler/log.c cupsdLogMessage: the level's letter, then the time as httpGetDateString's
  Common Log Format, `E [24/Sep/2020:15:35:45 +0300] [Job 24] Job stopped due to filter errors; ...`);
* a time of day with a comma before its milliseconds and a level after it: WildFly's and JBoss's console
  (`12:32:19,454 ERROR [org.jboss.msc.service.fail] ...`, logging.properties' `%d{HH:mm:ss,SSS} %-5p [%c]`);
* after a level padded to five (log4j's `%-5p %d`: ScyllaDB's old log, `ERROR 2018-12-18 20:53:50,371 [shard 0]
  ...`), or a lowercase level in brackets (CouchDB's `[error] 2023-11-30T07:45:35.454996Z couchdb@localhost ...`:
  couch_log_formatter's `"[~s] ~s ~s ~p ~s "`);
* after a level and a thread in brackets, or a level in brackets: Cassandra's logback (`ERROR [main] 2022-03-28
  06:45:42,388 JVMStabilityInspector.java:82 - ...`), a log4j2 pattern of `[%p] %d` (`[ERROR] 2023-10-26 19:57:30.940
  [ main] ...`);
* `=WARNING REPORT==== 6-May-2019::03:56:36 ===`: Erlang/OTP's error_logger report header (RabbitMQ up to 3.7's
  log, OTP before 21), each header a record and the report's lines after it records at its time;
* `[Sep 27 10:04:46] ERROR[144389]: `: Asterisk's log (main/logger.c: its default `dateformat` `%b %e %T`, optionally
  with `.%3q`, in brackets, then the level and the thread's LWP in brackets; no year: the latest that is not after
  the file's time);
* `[UTC Jul 13 08:38:23] error    : `: monit's log file (src/log.c: `"[%s] %-8s : "` of TIMEFORMAT `%Z %b %e %T`, the
  zone's abbreviation first, and logPriorityDescription's level; no year: the latest that is not after the file's
  time; an abbreviation of one UTC offset that year is read as it, one of several as local time, said);
* `[17/04/2026, 09:23:21] ` and `[8/1/2022, 8:52:28 PM] `: JavaScript's Date.toLocaleString() in brackets, as
  homebridge writes its log (its locale's order: en-GB day first, en-US month first; _js_order decides, by a number
  above 12, else by the shape, and says how; local time);
* `[Jun 02 10:50:54] radvd (42324): `: radvd's log file and stderr (log.c: `"[%s] %s (%d): "` of `%b %d %H:%M:%S`,
  before 2.x without the pid), its ident and pid the line's identifier and PID (applog_times.RADVD);
* `  1234:20231106:081922.345 `: Zabbix's server, proxy and agent log (src/libs/zbxlog/log.c: `"%6li:%.4d%.2d%.2d:%.2d
  %.2d%.2d.%03ld "`, the PID padded to six, local time);
* `(2020-11-13 12:13:40): [ifp] ...` and before 2.4 `(Fri Nov 13 12:13:40 2020) [sssd[nss]] ...`: SSSD's debug log
  (applog_times.STAMP's dy and fmon, local time, its µs after a colon);
* `type=AVC msg=audit(1364481363.243:24287): ...`: the Linux audit log (auditd's /var/log/audit/audit.log, `node=NAME `
  before it with `name_format`): the kernel's record time in Unix seconds and ms, then the record's serial
  (kernel/audit.c audit_log_start: `"audit(%llu.%03lu:%u): "`);
* `6310a7c4 slapd stopped.`: OpenLDAP's debug output (liblutil/debug.c lutil_debug: `"%08x "` of time(0), Unix
  seconds in hex, 2001 to 2038 only; a `.%08x` after it is not read);
* `May 02 10:41:27 Our pdns instance exited ...`: syslog's time with no host or identifier after it, as a program
  that logs to a file or to stderr writes `%b %d %H:%M:%S ` itself (PowerDNS's Logger with timestamps on,
  Prosody's file log); no year: the latest that is not after the file's time. A syslog file (a host and an
  identifier after the time) is syslog's (sources/text_sniff.py decides first);
* `Jul 31 20:37:59 [radvd] ...`: metalog's log file, the same time and the program in brackets, the line's
  identifier (applog_times.METALOG);
* `[    23.460] (II) ...`: Xorg's log, seconds since boot, from its line with the time of day (sources/xorg_times.py);
* `2 Aug 21:00:51 - `: Node's util.log (`D Mon HH:MM:SS - msg`, no year: the latest that is not after the file's
  time), which Node-RED's console log copies (`2 Aug 21:00:51 - [error] ...`, @node-red/util/lib/log.js);
* Zigbee2MQTT 1.x's time behind its level (lib/util/logger.ts: `Zigbee2MQTT:error 2022-11-24 23:16:38: msg` on
  the console, `error 2022-11-24 23:16:38: msg` in its log file, the level padded to five characters);
* logrus's text on a terminal, the level cut to four capitals before the time in brackets (`ERRO[2021-04-12T16:04:16.
  068413882+08:00] msg`: `dockerd --debug` run by hand; engine/format_levels.py reads its level);
* logfmt whose first pair is the time (`time="2026-11-28T10:14:29Z" level=error msg=...`: logrus, go-kit, slog),
  or a later one (`level=info caller=x.go:1 ts=...`: go-kit; `logger=context t=... level=error`: Grafana);
* a container's log as the kubelet's CRI runtime writes it (`2026-11-28T10:14:29.301234567Z stderr F text`: _CRI),
  and `kubectl logs --timestamps`' time before a klog or JSON line (_PREFIXED);
* JSON lines with a time key and none of journalctl's (`{"level":"error","ts":1764245823.5,"msg":...}`: zap,
  zerolog, pino, bunyan, logstash, Serilog's CLEF; see TIME_KEYS), the time also as Extended JSON's `{"$date": ...}`
  (MongoDB's log from 4.4: `{"t":{"$date":"2023-02-08T08:46:02.382+00:00"},"s":"E",...}`).

The whole line is the record's MESSAGE, timestamp and all, as journald stores a service's stdout line when the
service writes its own time: the level is read where the program wrote it, after that time (engine/levels.py),
and the rules see what they would see in the journal. A line that starts with no time (a stack trace's frames,
`Caused by: java.lang.OutOfMemoryError: ...`) is a record of its own at the time of the line before it, as journald
stores each line a service writes to stdout: the rules, anchored on such a line's start, match it as they would in
the journal. The first line's layout holds: a later line in another one is a line without a time (a continuation
line starting `2999999999 rows` is no Unix time of 2065), but for a full date and words near the last time, and
access log and uWSGI lines (applog_times.second_layout: catalina.out's webapp lines beside Tomcat's, gunicorn's access
lines among the app's, mysqld's `201010 11:17:39 [ERROR] mysqld got signal 11 ;` in a MariaDB 10.2+ log). Lines
before the first time are records at that time (sources/text.py read_text).
The identifier is the file's name without `.log`, `.txt`, `.json`, a rotation number or `.gz` (`zookeeper.log.1.gz`
is `(zookeeper)`: sources/log_names.py); no unit, host or PID, and no priority but a CRI log's stream, since the
file says none. A time without a zone is this machine's local time, which is said once.
"""

from __future__ import annotations

import re
import time

from .access_times import ACCESS as _ACCESS
from .access_times import HAPROXY as _HAPROXY
from .access_times import UWSGI, uwsgi_numbers
from .applog_records import RecordLevels
from .applog_times import (
    BACK_USEC,
    CRI,
    DAY_USEC,
    GLOG_EARLY,
    MAX_USEC,
    METALOG,
    PREFIXED,
    RADVD,
    ZONEMINDER,
    dated_usec,
    inner_record,
    json_time,
    layout_of,
    named_zone,
    second_layout,
    sssd_numbers,
    stamp,
)
from .log_names import identifier
from .text_line import TextLine
from .text_times import fraction_usec, local_usec, month_number, utc_usec
from .text_years import Days, Years
from .xorg_times import UPTIME as _XORG_UPTIME
from .xorg_times import start_time, uptime_usec
from .zone_names import abbreviation_offset, offset_text, several_offsets


class AppLogParser:
    """A program's log lines to records (a text_line.LineParser)."""

    def __init__(self, name: str, reference: float):
        self.ident = identifier(name)
        self.years = Years(reference)
        self.days = Days(reference)
        self.local = False
        """Some time had no zone and was read as local time."""
        self.unread_zones: set[str] = set()
        """Words after a time, where a zone's abbreviation goes, that name no single UTC offset (`CST`, `IST`)."""
        self.last_usec: int | None = None
        """The time of the last line that had one: a line without a time takes it."""
        self.xorg_zero: int | None = None  # the time (µs) of Xorg's second 0 (xorg_times.py)
        self.day_first: bool | None = None
        """How JavaScript's toLocaleString() dates (`[17/04/2026, 09:23:21]`, `[8/1/2022, 8:52:28 PM]`) are read,
        once a line decided it (_js_order); None before."""
        self.order_said: str | None = None
        """How that was decided, said once (note)."""
        self.records = RecordLevels()
        """The level of the record the lines are in: an exception line under it is read at no worse (a WARN's trace
        is a warning's: applog_records.py)."""
        self.layout: str | None = None
        """The layout of the first line with a time (layout_of): a later line in another layout is a line without
        a time (a continuation line starting `2999999999 rows` is no Unix time of 2065)."""

    def marker(self, what: str) -> None:
        """A program's log has no journalctl markers."""

    def note(self) -> str | None:
        said = self.years.guess() or self.days.guess()
        if self.local:
            besides = (f" (and those in {', '.join(sorted(self.unread_zones))}, which the time zone database gives "
                       "no single UTC offset)") if self.unread_zones else ""
            zone = (f"times without a zone{besides} are read as this machine's local time ({time.strftime('%Z')})")
            said = zone if said is None else f"{said}; {zone}"
        if self.order_said is not None:
            said = self.order_said if said is None else f"{said}; {self.order_said}"
        return said

    def parse(self, line: str) -> TextLine | None:
        line = inner_record(line)
        found = stamp(line)
        layout = layout_of(found) if found is not None else "json" if line.startswith("{") else None
        usec: int | None = None
        if layout is not None and (self.layout in (None, layout) or second_layout(found, layout)):
            try:
                if found is not None:
                    usec = self._usec(found)
                elif (timed := json_time(line)) is not None:
                    usec, local = timed
                    self.local |= local
            except (OverflowError, ValueError):
                usec = None
            if usec is not None and not 0 < usec < MAX_USEC:
                usec = None
            if usec is not None and self.layout not in (None, layout) \
                    and not -BACK_USEC <= usec - (self.last_usec or 0) <= DAY_USEC:
                usec = None  # (a second layout's date far off the last time: a message's, not the line's)
            if usec is not None and self.layout is None:
                self.layout = layout
        own_time = usec is not None
        usec = self.last_usec if usec is None else usec
        if usec is None:
            return None
        self.last_usec = usec
        fields = {"MESSAGE": line, "SYSLOG_IDENTIFIER": self.ident}
        if layout == "y" and (cri := CRI.fullmatch(line)) is not None:
            fields["MESSAGE"] = cri["text"]
            fields["PRIORITY"] = "3" if cri["stream"] == "stderr" else "6"
        elif layout == "y" and (prefixed := PREFIXED.fullmatch(line)) is not None:
            fields["MESSAGE"] = prefixed["text"] if prefixed["text"] is not None else prefixed["any"]
        elif layout == "gmo" and line.startswith(GLOG_EARLY):
            fields["MESSAGE"] = line[len(GLOG_EARLY):]  # the glog line: its level is its header's letter
        elif layout == "xmon" and (metalog := METALOG.match(line)) is not None:
            fields["SYSLOG_IDENTIFIER"] = metalog["ident"]
        elif layout == "bmon" and (radvd := RADVD.match(line)) is not None:
            fields["SYSLOG_IDENTIFIER"] = radvd["ident"]
            if radvd["pid"] is not None:
                fields["_PID"] = fields["SYSLOG_PID"] = radvd["pid"]
        elif layout == "nd" and (zoneminder := ZONEMINDER.match(line)) is not None:
            fields["SYSLOG_IDENTIFIER"] = zoneminder["ident"]
            fields["_PID"] = fields["SYSLOG_PID"] = zoneminder["pid"]
        return TextLine(usec, fields, 0, self.records.ceiling(fields["MESSAGE"], own_time))

    def _local(self, year: int, month: int, day: int, hour: int, minute: int, second: int,
               fraction: str | None = None) -> int:
        self.local = True
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError("no such date")
        return local_usec(year, month, day, hour, minute, second, fraction)

    def _unread_zone(self, zone: str, year: int) -> None:
        """A zone abbreviation of several UTC offsets that year, its time read as local: said (note), 8 at most."""
        if len(self.unread_zones) < 8 and several_offsets(zone, year):
            self.unread_zones.add(zone)

    def _js_order(self, found: re.Match[str], first: int, second: int) -> bool:
        """Whether a toLocaleString() date (D/M/Y or M/D/Y, by the locale: homebridge's `[%s] ` prefix) is day first.
        A number above 12 says which is the day; else the shape, which ICU's locales keep apart: en-US's `8/1/2022,
        8:52:28 PM` (a 12-hour clock, no leading zeros) is month first, en-GB's `17/04/2026, 09:23:21` (a 24-hour
        clock, two digits each) day first; else the order a line decided before. A line that says the other order
        than one before, or nothing when none did, has no time (ValueError). The order is said once (note)."""
        padded = len(found["wa"]) == 2 and len(found["wb"]) == 2 and len(found["wh"]) == 2
        day_first: bool | None = None
        if first > 12 >= second or second > 12 >= first:
            day_first, how = first > 12, "a day above 12"
        elif found["wp"] is not None and not found["wa"].startswith("0") and not found["wb"].startswith("0"):
            day_first, how = False, "en-US's 12-hour clock and no leading zeros"
        elif found["wp"] is None and padded:
            day_first, how = True, "en-GB's 24-hour clock and two digits each"
        if day_first is None or self.day_first is not None:
            if self.day_first is None or day_first not in (None, self.day_first):
                raise ValueError("day or month first: nothing says, or the lines disagree")
            return self.day_first
        self.day_first = day_first
        self.order_said = (f"dates like {found.group(0).strip('[]')} are read {'day' if day_first else 'month'} "
                           f"first, as {how} says (JavaScript's toLocaleString)")
        return day_first

    def time_of(self, found: re.Match[str]) -> int:
        """The time (µs) of a line's STAMP match, as this reader reads it (views/own_stamp.py: a line's own time at
        its start; ValueError where it is no time alone, Xorg's uptime before its time of day)."""
        return self._usec(found)

    def _usec(self, found: re.Match[str]) -> int:
        if found.re is _ACCESS:
            return utc_usec(int(found["ay"]), month_number(found["amon"]), int(found["ad"]), int(found["ah"]),
                            int(found["ami"]), int(found["as"]), found["af"], found["az"])
        if found.re is _XORG_UPTIME:
            if self.xorg_zero is None:
                if (start := start_time(found.string)) is None:
                    raise ValueError("no time of day yet")  # (the banner before it: its lines take its time)
                self.xorg_zero = self._local(*start) - uptime_usec(found)
            return self.xorg_zero + uptime_usec(found)
        if found.re is UWSGI:  # ctime's, mid-line
            return self._local(*uwsgi_numbers(found))
        if found.re is _HAPROXY:
            return self._local(int(found["hy"]), month_number(found["hmon"]), int(found["hd"]), int(found["hh"]),
                               int(found["hmi"]), int(found["hs"]), found["hf"])
        if found["y"] is not None:
            if (zone := named_zone(found)) is not None:
                return dated_usec(found, zone)
            if found["zn"] is not None:
                self._unread_zone(found["zn"], int(found["y"]))
            return self._local(int(found["y"]), int(found["mo"]), int(found["d"]), int(found["h"]), int(found["mi"]),
                               int(found["s"]), found["f"])
        if (sssd := sssd_numbers(found)) is not None:
            return self._local(*sssd)
        if found["cmon"] is not None:
            return self._local(int(found["cy"]), month_number(found["cmon"]), int(found["cd"]), int(found["ch"]),
                               int(found["cmi"]), int(found["cs"]), found["cf"])
        if found["rmon"] is not None:
            month, day = month_number(found["rmon"]), int(found["rd"])
            year = int(found["ry"]) if found["ry"] is not None else self.years.of(month, day)
            return self._local(year, month, day, int(found["rh"]), int(found["rmi"]), int(found["rs"]), found["rf"])
        if found["gmo"] is not None:
            month, day = int(found["gmo"]), int(found["gd"])
            clock = (int(found["gh"]), int(found["gmi"]), int(found["gs"]))
            if found["gyy"] is not None:  # CockroachDB's, in UTC (its docs' log-formats: crdb-v1)
                return utc_usec(2000 + int(found["gyy"]), month, day, *clock, found["gf"], "Z")
            year = int(found["gy"]) if found["gy"] is not None else self.years.of(month, day)
            return self._local(year, month, day, *clock, found["gf"])
        if found["sy"] is not None:
            return self._local(2000 + int(found["sy"]), int(found["smo"]), int(found["sd"]), int(found["sh"]),
                               int(found["smi"]), int(found["ss"]))
        if found["vd"] is not None:  # Suricata's %t, day first
            return self._local(int(found["vy"]), int(found["vmo"]), int(found["vd"]), int(found["vh"]),
                               int(found["vmi"]), int(found["vs"]))
        if found["nd"] is not None:  # d.m.Y, day first
            return self._local(int(found["ny"]), int(found["nmo"]), int(found["nd"]), int(found["nh"]),
                               int(found["nmi"]), int(found["ns"]), found["nf"])
        if found["hy"] is not None:
            hms = (found["hh"], found["hmi"], found["hs"]) if found["kh"] is None else (
                found["kh"], found["kmi"], found["ks"])
            return self._local(2000 + int(found["hy"]), int(found["hmo"]), int(found["hd"]), int(hms[0]), int(hms[1]),
                               int(hms[2]))
        if found["umon"] is not None:
            month, day = month_number(found["umon"]), int(found["ud"])
            return self._local(self.years.of(month, day), month, day, int(found["uh"]), int(found["umi"]),
                               int(found["us"]))
        if found["tmon"] is not None:
            numbers = (int(found["ty"]), month_number(found["tmon"]), int(found["td"]), int(found["th"]),
                       int(found["tmi"]), int(found["ts"]))
            if found["tz"] is not None:
                return utc_usec(*numbers, found["tf"], found["tz"])
            return self._local(*numbers, found["tf"])
        if found["jmon"] is not None:  # 12:05:00 AM is 00:05, 12:05:00 PM 12:05
            hour = int(found["jh"]) % 12 + (12 if found["jp"] == "PM" else 0)
            return self._local(int(found["jy"]), month_number(found["jmon"]), int(found["jd"]), hour,
                               int(found["jmi"]), int(found["js"]))
        if found["emon"] is not None:
            return self._local(int(found["ey"]), month_number(found["emon"]), int(found["ed"]), int(found["eh"]),
                               int(found["emi"]), int(found["es"]), found["ef2"])
        if found["qmon"] is not None:
            return utc_usec(int(found["qy"]), month_number(found["qmon"]), int(found["qd"]), int(found["qh"]),
                            int(found["qmi"]), int(found["qs"]), None, found["qz"])
        if found["mmon"] is not None:  # monit's log file: "%Z %b %e %T", the zone first
            month, day = month_number(found["mmon"]), int(found["md"])
            year = self.years.of(month, day)
            numbers = (year, month, day, int(found["mh"]), int(found["mmi"]), int(found["ms"]))
            zone = found["mz"]
            if zone[0] in "+-":
                return utc_usec(*numbers, None, zone)
            if (offset := abbreviation_offset(zone, year)) is not None:
                return utc_usec(*numbers, None, offset_text(offset))
            self._unread_zone(zone, year)
            return self._local(*numbers)
        if found["wy"] is not None:  # JavaScript's Date.toLocaleString(): homebridge's `[%s] `
            first, second = int(found["wa"]), int(found["wb"])
            day, month = (first, second) if self._js_order(found, first, second) else (second, first)
            hour = int(found["wh"])
            if found["wp"] is not None:  # 12:05:00 AM is 00:05, 12:05:00 PM 12:05
                hour = hour % 12 + (12 if found["wp"] == "PM" else 0)
            return self._local(int(found["wy"]), month, day, hour, int(found["wmi"]), int(found["ws"]))
        if found["bmon"] is not None:
            month, day = month_number(found["bmon"]), int(found["bd"])
            return self._local(self.years.of(month, day), month, day, int(found["bh"]), int(found["bmi"]),
                               int(found["bs"]), found["bf"])
        if found["zy"] is not None:
            return self._local(int(found["zy"]), int(found["zmo"]), int(found["zd"]), int(found["zh"]),
                               int(found["zmi"]), int(found["zs"]), found["zf"])
        if found["pmon"] is not None:  # MPD's, to the minute
            month, day = month_number(found["pmon"]), int(found["pd"])
            return self._local(self.years.of(month, day), month, day, int(found["ph"]), int(found["pmi"]), 0)
        if found["ly"] is not None:  # the Erlang VM's primitive error logger's erlang:localtime()
            return self._local(int(found["ly"]), int(found["lmo"]), int(found["ld"]), int(found["lh"]),
                               int(found["lmi"]), int(found["ls"]))
        if found["xmon"] is not None:
            month, day = month_number(found["xmon"]), int(found["xd"])
            return self._local(self.years.of(month, day), month, day, int(found["xh"]), int(found["xmi"]),
                               int(found["xs"]), found["xf"])
        if found["hex"] is not None:
            return int(found["hex"], 16) * 1_000_000
        if found["au"] is not None:
            return int(found["au"]) * 1_000_000 + fraction_usec(found["auf"])
        if found["oh"] is not None:
            self.local = True
            return int(self.days.at(int(found["oh"]), int(found["omi"]), int(found["os"]))) * 1_000_000 + \
                fraction_usec(found["of"])
        return int(found["epoch"]) * 1_000_000 + fraction_usec(found["ef"])

