"""Levels a program writes behind a prefix of its own, read where it writes them (trial 63: none of these was read, so
an `err` line was not even listed below a trigger, and lldpd's and Open vSwitch's fatal lines fired no
new-fatal-template). Each anchors at the start of the line, or after the program's own time, and nowhere else: a
client's text holding the same words (`user said gpsd:ERROR: x`, `... JobId 3: Fatal error: ` quoted later in a
message) is no level.

- gpsd and its tools (gpsd/libgpsd_core.c gpsd_vlog: the label, `:`, then err_str, `"ERROR: "`, `"SHOUT: "`,
  `"WARN: "`, `"CLIENT: "`, `"INFO: "`, `"DATA: "`, `"PROG: "`, `"IO: "`, `"SPIN: "`, `"RAW: "`, `"UNK: "`; the label
  `gpsd`, `gpsctl`, `gpsmon`, ...): `gpsd:ERROR: /dev/ttyAMA0: device activation failed.`, what it sends to syslog
  and writes to stderr. ERROR is err, as gpsd sends it to syslog (LOG_ERR for level 0, LOG_NOTICE for the rest);
  WARN warning, by its name; the others notice, as gpsd sends them. The label starts `gps`.
- lldpd (src/log.c vlog: `"%s %s%s%s]%s %s\\n"` of date()'s `%Y-%m-%dT%H:%M:%S`, translate()'s `[EMRG` .. `[ DBG`,
  maybe coloured when stderr is a terminal, then `/` and the token, `]`): `2014-11-13T21:02:01 [CRIT/fatal] giving
  up`, `[ DBG/main]`, `[WARN]` without a token. translate() names the syslog priority the line was logged at:
  `EMRG` emerg .. `DBG` debug (`fatal()` logs at LOG_CRIT, token `fatal`, then exits).
- MiniDLNA (log.c log_err: `[%04d/%02d/%02d %02d:%02d:%02d] ` unless run under systemd, then `"%s:%d: %s: "` of
  __FILE__, __LINE__ and level_name[]): `minidlna.c:1028: fatal: Failed to open log file ...`, `[2021/11/03
  23:30:05] minidlna.c:166: error: accept(http): ...`. The file a C source (`.c`), the level one of level_name's
  `fatal` (E_FATAL: log_err then exits, crit), `error`, `warn`, `info`, `debug`, `maxdebug` (debug).
- Bareos and Bacula job messages (src/lib/message.cc Jmsg: `_("%s JobId %u: Fatal error: ")` for M_FATAL,
  `Error: ` M_ERROR, `Warning: ` M_WARNING, `Security violation: ` (Bacula: `Security Alert: `) M_SECURITY; and
  `"%s ABORTING due to ERROR\\n"` M_ABORT, `"%s ERROR TERMINATION\\n"` M_ERROR_TERM; dispatch_message puts
  bstrftime_ny's `%d-%b %H:%M` and a blank before each): `24-Oct 06:14 db1 JobId 31956: Fatal error: bpipe-fd:
  ...`. A Fatal error ends one job, not the daemon (jcr->setJobStatus(JS_FatalError)), as PostgreSQL's FATAL ends
  one session: err, as its Error; Warning warning; a security violation err; ABORTING and ERROR TERMINATION end the
  daemon: crit. The time maybe with the year and seconds (`24-Oct-2020 06:14:58`), or none; the name the daemon's
  or the client's (letters, digits, `.`, `_`, `-`).
- Open vSwitch's vlog (include/openvswitch/vlog.h: the console's `%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m`, the log
  file's `%D{%Y-%m-%dT%H:%M:%S.###Z}|...`, syslog's `ovs|%05N|%c%T|%p|%m`, before 2.x `%05N|%c|%p|%m` and `%d{%b %d
  %H:%M:%S}|...`): `2022-11-17T02:48:26Z|00188|bridge|ERR|could not open network device br0 (No such device)`.
  The sequence number (5 digits or more), the module, maybe the thread in brackets (`ofproto_dpif_upcall(handler1)`),
  then the level, as VLOG_LEVELS sends it to syslog: `EMER` alert, `ERR` err, `WARN` warning, `INFO` notice, `DBG`
  debug.

- monit's log file (src/log.c log_log: `"[%s] %-8s : "` of TIMEFORMAT `%Z %b %e %T` and logPriorityDescription's
  `emergency`, `alert`, `critical`, `error`, `warning`, `notice`, `info`, `debug`, the syslog priority it logged at):
  `[UTC Jul 13 08:38:23] error    : 'nodejs' process is not running`, `[PDT Aug 23 14:03:20] warning  : ...`. The
  zone an abbreviation (2 to 5 capitals) or `%Z`'s numeric `+03`, `-0330`; the level padded to 8, then ` : `.

- SSSD's debug log (src/util/debug.c sss_vdebug_fn: maybe its time, 2.4 on `"(%d-%02d-%02d %2d:%02d:%02d"`, `":%.6ld"`
  of the µs, `"): "`; before 2.4 ctime's `"(%s:%.6ld %d) "` or `"(%s %d) "`, before 1.6 ctime's `"(%s) "`; then `"[%s]
  [%s] (%#.4x): "` of its process's name, the function and the debug level; before 1.6 the level as `"(%d): "`): `(2020-
  11-13 12:13:40): [ifp] [sss_dp_init] (0x0010): Failed to connect to backend server.`, `(Fri Nov 13 12:13:40 2020)
  [sssd[be[example.com]]] [func] (0x0020): ...`, without the time when debug_timestamps is off. The level is a bit of
  src/util/debug.h's SSSDBG_*, read as sssd.conf(5)'s debug_level describes it: 0x0010 FATAL_FAILURE (SSSD cannot
  start or go on) crit, 0x0020 CRIT_FAILURE (a major feature will not work) err, 0x0040 OP_FAILURE (a request or
  operation failed) warning, as before 2.5 SSSDBG_IMPORTANT_INFO was that bit too (`Starting with debug level ...`),
  0x0080 MINOR_FAILURE notice, 0x0100 CONF_SETTINGS info, 0x0200 and above (FUNC_DATA, TRACE_*, BE_FO, PERF_STAT)
  debug; SSSDBG_IMPORTANT_INFO from 2.5 (every bit from OP_FAILURE up: 0x1f7c0, 0x3f7c0 with PERF_STAT) notice; the
  old numbers 0 to 10 as the bit each became (debug_convert_old_level). Unread, trial 76's 38 (`(0x0010): fatal
  error setting up backend connector`, three times) was a WARNING's generic failure template.

`sources/program_levels.h` is the C twin; tests/test_levels_trial63.py holds the two to the same answers.
"""

from __future__ import annotations

import re

GPSD_LEVELS = {"ERROR": 3, "WARN": 4, "SHOUT": 5, "CLIENT": 5, "INFO": 5, "DATA": 5, "PROG": 5, "IO": 5, "SPIN": 5,
               "RAW": 5, "UNK": 5}
"""gpsd's err_str and the priority it is read as (gpsd sends ERROR to syslog at LOG_ERR, the rest at LOG_NOTICE)."""
_GPSD = re.compile(r"gps[a-z0-9]{0,15}:(ERROR|WARN|SHOUT|CLIENT|INFO|DATA|PROG|IO|SPIN|RAW|UNK): ")
LLDPD_LEVELS = {"EMRG": 0, "ALRT": 1, "CRIT": 2, " ERR": 3, "WARN": 4, "NOTI": 5, "INFO": 6, " DBG": 7}
"""lldpd's translate(): the syslog priority each names."""
_LLDPD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2} (?:\x1b\[[0-9;]{1,12}m)?"
                    r"\[(EMRG|ALRT|CRIT| ERR|WARN|NOTI|INFO| DBG)(?:/[A-Za-z0-9_-]{1,32})?\](?:\x1b\[0m)? ")
MINIDLNA_LEVELS = {"fatal": 2, "error": 3, "warn": 4, "info": 6, "debug": 7, "maxdebug": 7}
"""MiniDLNA's level_name[] (log.c) as syslog priorities: fatal crit (it exits), maxdebug debug."""
MINIDLNA_PLACE = 145
"""`.c:` ends within this many characters (a quick test before the regex): the time (22), the file (120), `.c:`."""
_MINIDLNA = re.compile(r"(?:\[[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\] )?"
                       r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,119}\.c:[0-9]{1,6}: (fatal|error|warn|info|debug|maxdebug): ")
BAREOS_LEVELS = {"Fatal error": 3, "Error": 3, "Warning": 4, "Security violation": 3, "Security Alert": 3,
                 "ABORTING due to ERROR": 2, "ERROR TERMINATION": 2}
"""Bareos's and Bacula's Jmsg prefixes (message.cc) as syslog priorities."""
BAREOS_PLACE = 110
"""` JobId `, ` ABORTING due to ERROR` or ` ERROR TERMINATION` ends within this many characters (a quick test before
the regex): the time (21 at most), the name (64), the words (22)."""
_BAREOS_TIME = r"(?:[0-9]{2}-[A-Z][a-z]{2}(?:-[0-9]{4})? [0-9]{2}:[0-9]{2}(?::[0-9]{2})? )?"
_BAREOS = re.compile(_BAREOS_TIME + r"[A-Za-z0-9_.-]{1,64} (?:JobId [0-9]{1,10}: "
                     r"(Fatal error|Error|Warning|Security violation|Security Alert): "
                     r"|(ABORTING due to ERROR|ERROR TERMINATION)(?=\n|\Z))")
MONIT_LEVELS = {"emergency": 0, "alert": 1, "critical": 2, "error": 3, "warning": 4, "notice": 5, "info": 6,
                "debug": 7}
"""monit's logPriorityDescription and the syslog priority each names."""
_MONIT = re.compile(r"\[(?:[A-Z]{2,5}|[+-][0-9]{2}(?:[0-9]{2})?) [A-Z][a-z]{2} [ 1-3]?[0-9] "
                    r"[0-9]{2}:[0-9]{2}:[0-9]{2}\] "
                    r"(emergency|alert|critical|error|warning|notice|info|debug) {1,5}: ")
OVS_LEVELS = {"EMER": 1, "ERR": 3, "WARN": 4, "INFO": 5, "DBG": 7}
"""Open vSwitch's vlog levels as VLOG_LEVELS sends them to syslog."""
_OVS = re.compile(r"(?:(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?Z"
                  r"|[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}|ovs)\|)?"
                  r"[0-9]{5,10}\|[A-Za-z0-9_-]{1,64}(?:\([A-Za-z0-9_-]{1,64}\))?\|(EMER|ERR|WARN|INFO|DBG)\|")

SSSD_LEVELS = {0x0010: 2, 0x0020: 3, 0x0040: 4, 0x0080: 5, 0x0100: 6, 0x0200: 7, 0x0400: 7, 0x1000: 7, 0x2000: 7,
               0x4000: 7, 0x8000: 7, 0x10000: 7, 0x20000: 7, 0x1F7C0: 5, 0x3F7C0: 5}
"""SSSD's SSSDBG_* levels (src/util/debug.h) as syslog priorities; any other value is none."""
SSSD_OLD_LEVELS = (2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7)
"""SSSD's levels 0 to 10 before 1.6, read as the bit each became."""
_SSSD_NAME = r"[!-Z\\^-~]{1,64}"
_SSSD = re.compile(r"(?:\([0-9]{4}-[0-9]{2}-[0-9]{2} [ 0-9][0-9]:[0-9]{2}:[0-9]{2}(?::[0-9]{6})?\): "
                   r"|\([A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?::[0-9]{6})? [0-9]{4}\) )?"
                   r"\[" + _SSSD_NAME + r"(?:\[" + _SSSD_NAME + r"(?:\[" + _SSSD_NAME + r"\])?\])?\] "
                   r"\[[A-Za-z_][A-Za-z0-9_]{0,127}\] \((?:0x([0-9a-f]{4,5})|([0-9]|10))\): ")


def sssd_level(message: str) -> int | None:
    """The priority of SSSD's debug level at the start of `message` (after its time, if any), or None."""
    if (found := _SSSD.match(message)) is None:
        return None
    return SSSD_LEVELS.get(int(found[1], 16)) if found[1] is not None else SSSD_OLD_LEVELS[int(found[2])]


def program_level(message: str) -> int | None:
    """The priority one of these programs wrote at the start of `message` (not empty), or None."""
    first = message[0]
    if first == "(":
        return sssd_level(message)
    if first == "[":
        if (found := _MINIDLNA.match(message)):
            return MINIDLNA_LEVELS[found[1]]
        found = _MONIT.match(message)
        return MONIT_LEVELS[found[1]] if found else sssd_level(message)
    digit = "0" <= first <= "9"
    if not (digit or "A" <= first <= "Z" or "a" <= first <= "z" or first == "_"):
        return None
    if digit and message[10:11] == "T" and (found := _LLDPD.match(message)):
        return LLDPD_LEVELS[found[1]]
    if (digit or "A" <= first <= "Z" or first == "o") and (found := _OVS.match(message)):
        return OVS_LEVELS[found[1]]
    if first == "g" and (found := _GPSD.match(message)):
        return GPSD_LEVELS[found[1]]
    if ".c:" in message[:MINIDLNA_PLACE] and (found := _MINIDLNA.match(message)):
        return MINIDLNA_LEVELS[found[1]]
    if (" JobId " in message[:BAREOS_PLACE] or " ABORTING due to ERROR" in message[:BAREOS_PLACE]
            or " ERROR TERMINATION" in message[:BAREOS_PLACE]) and (found := _BAREOS.match(message)):
        return BAREOS_LEVELS[found[1] or found[2]]
    return None
