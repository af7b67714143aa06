"""Step 3 of the text level grammar (engine/format_levels.py), continued: the fixed line formats of infrastructure
daemons' own log files and stderr, whose level is a letter, a mark or a word in a place the general step does not
look. Each anchors at the start of the line, after the program's own prefix only, so a message quoting one (`GET
/x?(EE)`, `retrying: E [MSGID: 108006]`) is no level.

- GlusterFS (libglusterfs/src/logging.c, gf_glusterlog_log / _gf_log / gf_log_nomem: `[%s] %c [MSGID: %u] [%s:%d:%s]
  %d-%s: ` with a message id (since 2013), `[%s] %c [%s:%d:%s] %d-%s: ` in the traditional format, the time
  gf_time_fmt_tv_FT's `%F %T.%06ld %z`, its zone since 2020 (8cb23ee, "Indicate timezone offsets in timestamps"),
  the µs unpadded `.%ld` before mid-2010): `[2026-11-27 12:17:03.150432 +0000] E [MSGID: 108006]
  [afr-common.c:6123:afr_notify] 0-vol-replicate-0: All subvolumes are down...`, `[2016-05-02 10:11:12.123456] W
  [socket.c:588:__socket_rwv] 0-glusterfs: readv on ... failed`. The letter is one of
  gf_level_strings (`M` emergency .. `T` trace), mapped as GlusterFS itself sends them to syslog (SET_LOG_PRIO: its
  level less one, `T` LOG_DEBUG): `M` emerg, `A` alert, `C` crit, `E` err, `W` warning, `N` notice (NORMAL, info,
  before cb4baf2, 2010: no error either way), `I` info, `D` and `T` debug. The letter must be followed by
  GlusterFS's `[MSGID: n]` or `[file:line:function]`.
- libvirt (src/util/virlog.c: virLogOutputToFd writes `%s: %s`, the time then virLogFormatString's `%llu: %s : %s:%d
  : %s` or `%llu: %s : %s`; the time virTimeStringThenRaw's `%4d-%02d-%02d %02d:%02d:%02d.%03d+0000`, UTC; the
  shape virlog.c's own VIR_LOG_REGEX matches): `2026-11-27 12:17:03.150+0000: 1234: error : qemuProcessReportLogError:
  2051 : internal error: ...`, what libvirtd.log, virtqemud.log and a domain's /var/log/libvirt/qemu/NAME.log hold
  (log_outputs `1:file:...`) and its stderr. Older libvirt wrote the time without `+0000` (`2012-01-01
  12:00:00.123: 1234: error : ...`) and, older still, the time of day alone and no thread id (src/util/logging.c:
  `%02d:%02d:%02d.%03d: %s : %s:%lld : `): both read; where
  the clock could not be read virLogVMessage leaves the time empty (`: 1234: error : ...`), read too.
  virLogPriorityString's `debug`, `info`, `warning`, `error`, mapped as virLogOutputToSyslog maps them.
- certbot's log file (certbot/_internal/log.py FILE_FMT `%(asctime)s:%(levelname)s:%(name)s:%(message)s`, the time
  Python logging's default `%Y-%m-%d %H:%M:%S,mmm`): `2026-11-27 12:17:03,150:ERROR:certbot._internal.renewal:Failed
  to renew certificate example.org with error: ...` in /var/log/letsencrypt/letsencrypt.log. The general step takes
  the time and everything up to the next blank for one number. Python's level names (`DEBUG`, `INFO`, `WARNING`,
  `ERROR`, `CRITICAL` crit), then `:`, the logger's name (a dotted identifier) and `:`.
- Xorg (os/log.c: LogMessageTypeVerbString's markers before a message, LogSWrite's time before a line of the log
  file: `[%10.3f] `, seconds of CLOCK_MONOTONIC, from 1.8 (2010), `[%Y-%m-%d %H:%M:%S] ` from 2023 (xserver
  0df31f068); none on stderr, which a rootless Xorg under GDM writes to the journal): `[    12.345] (EE) Failed to
  load module "fbdev" (module does not exist, 0)`, `(EE) no screens found(EE)`. The markers (LogPrintMarkers' legend):
  `(EE)` error err, `(WW)` warning, `(!!)` notice, `(II)` informational, `(--)` probed, `(**)` from the config
  file, `(==)` default setting, `(++)` from the command line and `(NI)` not implemented info, `(DB)` debug; `(??)`
  (X_UNKNOWN: Xorg says it does not know) is no level. The marker is followed by a blank or ends the line. SDDM
  writes Xorg's markers after its time of day to its log file or stderr (sddm/sddm src/common/MessageHandler.h,
  standardLogger: `"[%1] %2 %3\n"` of `hh:mm:ss.zzz`, `(II)` for a debug or info message, `(WW)` a warning, `(EE)` a
  critical or fatal one): `[22:49:02.480] (EE) DAEMON: Could not start Display server on vt 1` had no level (trial
  62's 10).
- Ceph's cluster log as the monitor writes it to its file (/var/log/ceph/ceph.log, ceph.audit.log: LogMonitor writes
  each LogEntry by src/common/LogEntry.h's operator<<, `stamp name (rank) seq : channel [PRIO] msg`; utime_t's time
  `2026-11-27T12:17:03.150432+0000` today, `2016-05-02 10:11:12.123456` in older releases; the sender in older
  ones as entity_inst_t, its rank then its address (`stamp who seq : ...`), then after its name (`stamp name who seq
  : ...`), and in the oldest no channel):
  `2026-11-27T12:17:03.150432+0000 mon.a (mon.0) 1234 : cluster [WRN] Health check failed: ...`, `2016-05-02
  10:11:12.123456 mon.0 10.0.0.1:6789/0 123 : cluster [ERR] ...`, `2017-10-05 17:08:37.151297 mon.a mon.0
  10.0.0.1:6789/0 5 : cluster [INF] ...`. Up to three sender tokens, the sequence number, ` : `, the channel (if
  any), then the priority, mapped as format_levels' Ceph stderr
  form maps a cluster line (`CLOG_LEVELS`, clog_type_to_syslog_level: `[DBG]` debug, `[INF]` info, `[WRN]` warning,
  `[ERR]` err, `[SEC]` crit; `[???]` none), within MAX_PREFIX characters.

- Python logging's `%(asctime)s %(name)s %(levelname)s: %(message)s`, the name and level maybe padded (Frigate's
  frigate/log.py: `[%(asctime)s] %(name)-30s %(levelname)-8s: %(message)s`, the time `%Y-%m-%d %H:%M:%S`, behind
  s6-log's own time in its container, `2023-06-14 22:22:05.500593881  `): `[2023-06-14 22:22:05] watchdog.wificam
  ERROR   : Ffmpeg process crashed unexpectedly for wificam.`. A time first (year first, in brackets or not, maybe
  behind another such time), the logger's name (dotted identifiers), blanks, one of Python's level names in
  capitals (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL` crit), blanks or none, then `:` and a blank or the end.
  Only there: `user said ERROR : x` later in a message is no level. Frigate's `ERROR   :` lines had none (trial 61).
- OSSEC's and Wazuh's own log (ossec.log; src/shared/debug_op.c `_log`: the time `%Y/%m/%d %H:%M:%S`, then the
  daemon's tag `%s: ` or, in debug mode, `%s[%d] %s:%d at %s(): ` (tag, pid, file, line, function), then the level
  `%s: ` of strlevel, `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL` crit): `2020/05/19 15:27:30 ossec-remoted:
  ERROR: (1210): Queue '/queue/ossec/queue' not accessible: 'Connection refused'.`, `wazuh-modulesd:syscollector:
  INFO: ...`. The tag a daemon's name, maybe `:module` after it. None was read (trial 61).
- Suricata's suricata.log up to 6.x (src/util-debug.c: the release format `%t - <%d> - `, the development one
  `[%i] %t - (%f:%l) <%d> (%n) -- `, `%t` `%d/%d/%04d -- %02d:%02d:%02d`, day first): `[7453] 6/7/2018 -- 16:51:47 -
  (util-ioctl.c:101) <Warning> (GetIfaceMTU) -- ...`, `26/12/2015 -- 21:26:03 - <Info> - ...`. Its level names
  (sc_log_level_map) as SCLogMapLogLevelToSyslogLevel sends them to syslog: `<Emergency>` emerg, `<Alert>`,
  `<Critical>`, `<Error>`, `<Warning>`, `<Notice>`, `<Info>`, and `<Perf>`, `<Config>`, `<Debug>` debug. Suricata
  7's `[%i - %m] %z %d: %S: ` (`Error: detect: `) is the general step's: a level word and `:` after the time.
- ZoneMinder's own log files (scripts/ZoneMinder/lib/ZoneMinder/Logger.pm, logPrint: `'%s.%06d %s[%d].%s [%s:%d]
  [%s]'` of strftime's `%x %H:%M:%S`, the µs, the process's id, its pid, the level's code, the caller and line;
  src/zm_logger.cpp, Logger::logPrint: `"%s %s[%d].%s-%s/%d ["` of the same time, id, thread id, code, file and
  line): `11.10.2024 22:16:43.877369 zmdc[12655].ERR [ZMServer:718] ['zmc -m 2' exited abnormally, exit status
  255]`, `10/11/24 22:16:43.877369 zmc_m1[1234].WAR-zm_monitor.cpp/2310 [...]`. The date is the locale's `%x`
  (digits and one separator, `.`, `/` or `-`, twice), the id letters, digits, `_`, `.` and `-`. And the same codes
  first in what ZoneMinder sends to syslog (Logger.pm: `$codes{$level}.' [%s]'`; zm_logger.cpp: `"%s [%s] [%s]"`,
  code, id, message), a bracket after the code and one last: `FAT [Can't exec: Bad file descriptor]` in a syslog
  file, which has no priority. The codes (`%codes`, smCodes) as ZoneMinder's own syslog priorities map them
  (`%priorities`, smSyslogPriorities): `INF` info, `WAR` warning, `ERR`, `FAT` and `PNC` err, `AUD` notice, `DB1`
  to `DB9` debug, and `DBG`, its debug code before 1.36. None of its file's lines had a level, nor `WAR`, `FAT` or
  `PNC` in syslog's (trial 61).

`sources/daemon_levels.h` is the C twin; tests/test_levels_daemons.py holds the two to the same answers.
"""

from __future__ import annotations

import re

FIRST = frozenset("[(0123456789:IWEFPAD")
"""The first characters of these formats (format_levels.FIXED_FIRST has them all)."""
MAX_PREFIX = 200
"""A level after a variable prefix (the Ceph cluster log's sender) starts within this many characters
(levels.MAX_PREFIX)."""

CLOG_LEVELS = {"DBG": 7, "INF": 6, "WRN": 4, "ERR": 3, "SEC": 2}
"""Ceph's clog_type as its operator<< prints it and the syslog priority clog_type_to_syslog_level gives it (also
format_levels' Ceph stderr `log_channel(cluster) log [WRN] : `)."""

_GLUSTER = re.compile(r"\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{1,6}(?: [+-][0-9]{4})?\] "
                      r"([MACEWNIDT]) \[(?:MSGID: [0-9]+\] \[)?[!-9;-Z\\^-~]+:[0-9]+:[!-Z\\^-~]+\] ")
GLUSTER_LEVELS = {"M": 0, "A": 1, "C": 2, "E": 3, "W": 4, "N": 5, "I": 6, "D": 7, "T": 7}
"""GlusterFS's gf_level_strings and the syslog priority SET_LOG_PRIO gives each."""
_LIBVIRT = re.compile(r"(?:(?:[0-9]{4}-[0-9]{2}-[0-9]{2} )?[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(?:[+-][0-9]{4})?: "
                      r"(?:[0-9]+: )?|: [0-9]+: )(debug|info|warning|error) : ")
LIBVIRT_LEVELS = {"debug": 7, "info": 6, "warning": 4, "error": 3}
"""virLogPriorityString's names and the syslog priority virLogOutputToSyslog gives each."""
_CERTBOT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}:"
                      r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):[A-Za-z_][A-Za-z0-9_.-]*:")
PYTHON_LEVELS = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}
_XORG = re.compile(r"(?:\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\] |\[ *[0-9]+\.[0-9]{3}\] "
                   r"|\[[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] )?"
                   r"\((EE|WW|!!|II|--|\*\*|==|\+\+|NI|DB)\)(?= |\n|\Z)")
XORG_LEVELS = {"EE": 3, "WW": 4, "!!": 5, "II": 6, "--": 6, "**": 6, "==": 6, "++": 6, "NI": 6, "DB": 7}
"""Xorg's message markers (os/log.c X_*_STRING) as syslog priorities."""
CEPH_CLUSTER = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}(?:[+-][0-9]{4})? "
                          r"(?:[!-~]+ ){1,3}[0-9]+ : (?:[a-z]+ )?\[([A-Z]{3})\](?= |\n|\Z)")
"""A line of Ceph's cluster log file, its priority group 1 (also sources/text_sniff.py: no syslog line, whose host
its sender's name would be)."""


_PY_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]{1,9})?"
_PYLOG = re.compile(r"(?:" + _PY_TIME + r" +)?(?:\[" + _PY_TIME + r"\]|" + _PY_TIME + r") +"
                    r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)* +(DEBUG|INFO|WARNING|ERROR|CRITICAL) *:(?= |\n|\Z)")
"""Python logging's `time name level: ` (Frigate's `[time] %(name)-30s %(levelname)-8s: `), maybe after s6-log's."""
_OSSEC = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?"
                    r"(?:: |\[[0-9]+\] [!-9;-~]+:[0-9]+ at [A-Za-z0-9_]+\(\): )(DEBUG|INFO|WARNING|ERROR|CRITICAL): ")
"""OSSEC's and Wazuh's debug_op.c: `time tag: LEVEL: `, in debug mode `time tag[pid] file:line at func(): LEVEL: `."""
_SURICATA = re.compile(r"(?:\[[0-9]+\] )?[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} -- [0-9]{2}:[0-9]{2}:[0-9]{2} - "
                       r"(?:\([!-'*-9;-~]+:[0-9]+\) )?<([A-Za-z]+)> ")
SURICATA_LEVELS = {"Emergency": 0, "Alert": 1, "Critical": 2, "Error": 3, "Warning": 4, "Notice": 5, "Info": 6,
                   "Perf": 7, "Config": 7, "Debug": 7}
"""Suricata's level names up to 6.x and the syslog priority SCLogMapLogLevelToSyslogLevel gives each."""
_ZM_CODE = r"(INF|WAR|ERR|FAT|PNC|AUD|DB[1-9]|DBG)"
_ZONEMINDER = re.compile(r"[0-9]{1,4}([./-])[0-9]{1,2}\1[0-9]{1,4} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} "
                         r"[A-Za-z0-9_.-]+\[[0-9]+\]\." + _ZM_CODE + r"(?: \[|-[A-Za-z0-9_.+-]+/[0-9]+ \[)")
"""ZoneMinder's log file line (Logger.pm's and zm_logger.cpp's), its code group 2."""
_ZONEMINDER_SYSLOG = re.compile(_ZM_CODE + r" \[.*\]\Z", re.DOTALL)
"""What ZoneMinder sends to syslog: `CODE [message]` (Perl) or `CODE [id] [message]` (C++)."""
ZONEMINDER_LEVELS = {"INF": 6, "WAR": 4, "ERR": 3, "FAT": 3, "PNC": 3, "AUD": 5, "DBG": 7,
                     **{f"DB{n}": 7 for n in range(1, 10)}}
"""ZoneMinder's level codes and the syslog priority it gives each (Logger.pm %priorities, smSyslogPriorities)."""


def daemon_level(message: str) -> int | None:
    """The priority of one of these formats' level at the start of `message` (not empty), or None."""
    first = message[0]
    if first == "[" and (found := _GLUSTER.match(message)):
        return GLUSTER_LEVELS[found[1]]
    if (first == "[" or "0" <= first <= "9") and (found := _SURICATA.match(message)):
        return SURICATA_LEVELS.get(found[1])
    if (first == "[" or "0" <= first <= "9") and (found := _PYLOG.match(message)) and found.start(1) < MAX_PREFIX:
        return PYTHON_LEVELS[found[1]]
    if (first == "[" or first == "(") and (found := _XORG.match(message)):
        return XORG_LEVELS[found[1]]
    if first == ":" and (found := _LIBVIRT.match(message)):
        return LIBVIRT_LEVELS[found[1]]
    if first in "IWEFPAD":
        found = _ZONEMINDER_SYSLOG.match(message)
        return None if found is None else ZONEMINDER_LEVELS[found[1]]
    if "0" <= first <= "9":
        if (found := _ZONEMINDER.match(message)):
            return ZONEMINDER_LEVELS[found[2]]
        if (found := _LIBVIRT.match(message)):
            return LIBVIRT_LEVELS[found[1]]
        if (found := _CERTBOT.match(message)):
            return PYTHON_LEVELS[found[1]]
        if (found := CEPH_CLUSTER.match(message)) and found.start(1) < MAX_PREFIX:
            return CLOG_LEVELS.get(found[1])
        if (found := _OSSEC.match(message)) and found.start(1) < MAX_PREFIX:
            return PYTHON_LEVELS[found[1]]
    return None
