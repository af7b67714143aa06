"""Trial 63's levels written behind a program's own prefix, none of which was read (engine/program_levels.py, its C twin
sources/program_levels.h): gpsd's `gpsd:ERROR: ` (libgpsd_core.c gpsd_vlog), lldpd's `time [CRIT/fatal] ` (src/log.c
vlog/translate), MiniDLNA's `[time] file.c:line: error: ` (log.c log_err), Bareos's and Bacula's `time name JobId n:
Fatal error: ` (message.cc Jmsg) and Open vSwitch's vlog `time|seq|module|ERR|` (vlog.h).

1. A corpus of lines as the programs write them, and look-alikes (the words quoted in a message or a client's text, a
   near miss of the shape) that are no level, read alike by Python and C.
2. C and Python agree on generated lines built from the pieces of these formats.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 0, 1, 2, 3, 4, 5, 6, 7
LLDPD_T = "2014-11-13T21:02:01"
OVS_T = "2022-11-17T02:48:26Z"

CORPUS: list[tuple[int | None, str, str]] = [
    # gpsd (libgpsd_core.c gpsd_vlog: label ":" err_str)
    (ERR, "gpsd:ERROR: /dev/ttyAMA0: device activation failed.", "gpsd's syslog, trial 63's 04"),
    (WARNING, "gpsd:WARN: x", "WARN"), (NOTICE, "gpsd:PROG: x", "PROG, as gpsd sends it"),
    (NOTICE, "gpsd:SHOUT: x", "SHOUT"), (ERR, "gpsctl:ERROR: x", "gpsctl's label"),
    (None, "user said gpsd:ERROR: x", "words before it"), (None, "gpsd:ERROR:x", "no blank"),
    (None, "gpsd:FATAL: x", "not gpsd's"), (None, "gpsd: ERROR: x", "a blank before it"),
    (None, "ntpd:ERROR: x", "another label"), (None, "gps" + "d" * 16 + ":ERROR: x", "a label too long"),
    (ERR, "ERROR: /dev/ttyAMA0: device activation failed.", "no label: the level word, as before"),
    # lldpd (src/log.c: "%s %s%s%s]%s %s\n", date(), translate(), "/" token)
    (CRIT, f"{LLDPD_T} [CRIT/fatal] giving up", "fatal(), trial 63's 29"),
    (WARNING, f"{LLDPD_T} [WARN/main] unable to create control socket: No such file or directory", "WARN"),
    (DEBUG, f"{LLDPD_T} [ DBG/main] lldpd starting...", "DBG"), (ERR, f"{LLDPD_T} [ ERR/interfaces] x", "ERR"),
    (EMERG, f"{LLDPD_T} [EMRG] x", "no token"), (NOTICE, f"{LLDPD_T} [NOTI/lldp] x", "NOTI"),
    (ALERT, f"{LLDPD_T} \x1b[1;37;41m[ALRT/main]\x1b[0m x", "coloured, to a terminal"),
    (INFO, f"{LLDPD_T} [INFO/main] x", "INFO (a bracketed word before too)"),
    (None, f"{LLDPD_T} [CRIT/fatal]x", "no blank after"), (None, f"{LLDPD_T} [CRIT/] x", "an empty token"),
    (None, f"{LLDPD_T} [CRIT/a b] x", "a blank in the token"), (None, f"{LLDPD_T} [CRITICAL/fatal] x", "no lldpd code"),
    (None, "2014-11-13 21:02:01 [CRIT/fatal] x", "not lldpd's time"), (None, "[CRIT/fatal] giving up", "no time"),
    (None, f"{LLDPD_T} peer said [CRIT/fatal] x", "words before it"),
    (None, f"{LLDPD_T} [CRIT/" + "t" * 33 + "] x", "a token too long"),
    # MiniDLNA (log.c log_err: "[%04d/%02d/%02d %02d:%02d:%02d] ", "%s:%d: %s: ")
    (CRIT, "minidlna.c:1028: fatal: Failed to open log file '/var/log/minidlna.log': Permission denied",
     "E_FATAL, trial 63's 21"),
    (ERR, "minidlna.c:166: error: accept(http): Zu viele offene Dateien", "E_ERROR, trial 63's 22"),
    (ERR, "[2021/11/03 23:30:05] upnphttp.c:1082: error: x", "its log file's time"),
    (WARNING, "scanner.c:1: warn: x", "warn"),
    (DEBUG, "tagutils/tagutils.c:12: maxdebug: x", "a dir"),
    (INFO, "inotify.c:99: info: x", "info"),
    (None, "minidlna.c:166: errors: x", "not a level name"), (None, "minidlna.c:166: Error: x", "capitalised"),
    (None, "minidlna.cc:166: error: x", "C++"), (None, "minidlna.c: error: x", "no line"),
    (None, "said minidlna.c:166: error: x", "words before it"),
    (None, "[2021/11/03] minidlna.c:1: error: x", "no time"),
    (None, "minidlna.c:1234567: error: x", "a line number too long"), (None, "minidlna.c:166:error: x", "no blank"),
    (None, ".c:166: error: x", "no file name"),
    # Bareos and Bacula (message.cc Jmsg, dispatch_message's bstrftime_ny time)
    (ERR, "24-Oct 06:14 db1 JobId 31956: Fatal error: bpipe-fd: Error closing stream for pseudo file x: 268435457",
     "M_FATAL, trial 63's 03"),
    (ERR, "24-Oct 06:14 bareos-dir JobId 31956: Error: Bareos bareos-dir 23.0.4: job failed", "M_ERROR"),
    (WARNING, "24-Oct-2020 06:14:58 bacula-sd JobId 12: Warning: x", "a year and seconds"),
    (ERR, "bareos-fd JobId 0: Security violation: x", "no time"),
    (ERR, "db1-fd JobId 7: Security Alert: x", "Bacula's"),
    (CRIT, "24-Oct 06:14 bareos-sd ABORTING due to ERROR", "M_ABORT"),
    (CRIT, "bacula-dir ERROR TERMINATION", "M_ERROR_TERM"),
    (None, "24-Oct 06:14 db1 JobId 31956: Info: x", "no level prefix"), (None, "bareos-fd JobId x: Error: x", "no id"),
    (None, "the client said db1 JobId 1: Fatal error: x", "words before it"),
    (None, "24-Oct 06:14 db1 JobId 1: Fatal error:x", "no blank"),
    (None, "bareos-sd ABORTING due to ERROR in x", "more after ABORTING (not Jmsg's)"),
    (None, "24-Oct 06:14 db1 JobId 1: fatal error: x", "lower case"),
    # Open vSwitch (vlog.h: console, file, syslog patterns)
    (ERR, f"{OVS_T}|00188|bridge|ERR|could not open network device br0 (No such device)", "ERR, trial 63's 16/17"),
    (ALERT, f"{OVS_T}|00189|vswitchd|EMER|fatal error", "EMER, as VLOG_LEVELS sends it"),
    (WARNING, "2022-11-17T02:48:25.864Z|00187|jsonrpc|WARN|unix#11: receive error: Connection reset by peer", "file"),
    (NOTICE, f"{OVS_T}|00001|reconnect|INFO|unix:/var/run/openvswitch/db.sock: ERROR x", "INFO, a level word after"),
    (DEBUG, "ovs|00001|ofproto_dpif_upcall(handler1)|DBG|x", "syslog's, a thread"),
    (ERR, "00001|vlog|ERR|x", "old syslog"), (ERR, "Nov 17 02:48:25|00001|vlog|ERR|x", "old console"),
    (None, f"{OVS_T}|0018|bridge|ERR|x", "four digits"), (None, f"{OVS_T}|00188|bridge|ERROR|x", "not a vlog level"),
    (None, f"{OVS_T}|00188|bridge|ERR x", "no bar after"), (None, f"{OVS_T}|00188||ERR|x", "no module"),
    (None, f"{OVS_T}|00188|bridge()|ERR|x", "an empty thread"),
    (None, "user said 00188|bridge|ERR|x", "words before it"), (None, f"{OVS_T} |00188|bridge|ERR|x", "a blank"),
    # monit's log file (src/log.c: "[%s] %-8s : " of "%Z %b %e %T")
    (ERR, "[UTC Jul 13 08:38:23] error    : 'nodejs' process is not running", "trial 63's 07"),
    (WARNING, "[PDT Aug 23 14:03:20] warning  : 'app' failed protocol test [HTTP] at [localhost]:8888/x", "08"),
    (INFO, "[CEST Jul  3 08:38:23] info     : x", "%e's blank"), (CRIT, "[+03 Jul 13 08:38:23] critical : x", "+03"),
    (EMERG, "[-0330 Jul 13 08:38:23] emergency : x", "no padding left"),
    (None, "[UTC Jul 13 08:38:23] errors   : x", "not monit's"), (None, "[UTC Jul 03 08:38:23] error    : x", "%d"),
    (None, "[UTC Jul 13 08:38:23]  error    : x", "two blanks"),
    (None, "[UTC Jul 13 08:38] error    : x", "no seconds"),
    (None, "[UTCABC Jul 13 08:38:23] error    : x", "a zone too long"),
    (INFO, "[UTC Jul 13 08:38:23] info     : the peer said error    : x", "a level later is no level"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = ["gpsd", "gps", ":", "ERROR", "WARN", ": ", LLDPD_T, " ", "[", "]", "CRIT", " ERR", "/", "fatal", "\x1b[1;31m",
          "\x1b[0m", "minidlna", ".c", ":166", ": ", "error", "fatal", "[2021/11/03 23:30:05] ", "24-Oct 06:14 ",
          "24-Oct-2020 06:14:58 ", "db1", " JobId ", "31956", "Fatal error", "ABORTING due to ERROR",
          "ERROR TERMINATION",
          OVS_T, ".864", "|", "00188", "bridge", "(handler1)", "ERR", "EMER", "ovs", "Nov 17 02:48:25", "x",
          "é", "\n", "0", "-", "_", "[UTC Jul 13 08:38:23] ", "[+03 Jul  3 08:38:23] ", "error", "    : ",
          "emergency", " : ", "Jul", " 13"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=12))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)
