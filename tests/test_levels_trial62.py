"""Trial 62's program layouts whose level was not read (engine/format_levels.py and engine/daemon_levels.py, their C
twins sources/format_levels.h, go_levels.h and daemon_levels.h): stunnel's `LOGn[id]: ` (src/log.c), SeaweedFS's glog
header without a thread id (weed/glog/glog.go), zap's console encoder with a lower-case level (zapcore/
console_encoder.go), SDDM's Xorg markers after its time of day (src/common/MessageHandler.h) and libreswan's
`pluto: ` before its level (programs/pluto/log.c, plutomain.c).

1. A corpus of lines as the programs write them, and look-alikes (a level quoted in a message, a client's text, a
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
STUNNEL_T = "2021.01.13 17:33:18"
ZAP_T = "2025-02-20T15:30:17.360Z"

CORPUS: list[tuple[int | None, str, str]] = [
    # stunnel: s_log's "%04d.%02d.%02d %02d:%02d:%02d" and "LOG%d[%s]", log_raw's "%s %s: %s", syslog's "%s: %s"
    (ERR, f"{STUNNEL_T} LOG3[1:140635606472448]: error queue: 14090086: error:14090086:SSL routines:"
          "ssl3_get_server_certificate:certificate verify failed", "stunnel's file, trial 62's 21"),
    (WARNING, f"{STUNNEL_T} LOG4[1:140635606472448]: Certificate check failed: depth=0, /O=io.strimzi/CN=x", "LOG4"),
    (NOTICE, "LOG5[main]: Reading configuration from file /etc/stunnel/stunnel.conf", "syslog's, no time"),
    (DEBUG, "LOG7[ui]: Clients allowed=500", "LOG7"), (EMERG, "LOG0[7]: x", "LOG0"),
    (CRIT, f"{STUNNEL_T} LOG2[cron]: x", "cron's id"), (INFO, "LOG6[service name]: x", "an id with a blank"),
    (None, "LOG8[ui]: x", "no syslog level"), (None, "LOG3[]: x", "no id"), (None, "LOG3[a]b]: x", "a bracket in it"),
    (None, "LOG3[ui] x", "no colon"), (None, "LOG3[ui]:x", "no blank"), (None, f"{STUNNEL_T} LOG3 x", "no id at all"),
    (None, "LOG3[" + "x" * 65 + "]: x", "an id too long"), (ERR, "LOG3[" + "x" * 64 + "]: x", "64 is the most"),
    (None, f"{STUNNEL_T} the peer said LOG3[1]: x", "words before it"), (None, "log3[ui]: x", "lower case"),
    (None, f"{STUNNEL_T[:-3]} LOG3[1]: x", "no seconds"),
    # SeaweedFS's glog (weed/glog/glog.go formatHeader: "Lmmdd hh:mm:ss.uuuuuu file:line ")
    (ERR, "E0221 00:18:18.464568 needle_read.go:45 seaweed/volume/3.dat read 0 dataSize 562712 offset 50573734160 "
          "fileSize 39710023368: EOF", "SeaweedFS 3.x, trial 62's 22"),
    (WARNING, "W0221 00:18:18.464568 volume_grpc_copy.go:1 x", "W"), (INFO, "I0221 00:18:18.464568 ???:1 x", "???"),
    (CRIT, "F0221 00:18:18.464568 master.go:7 x", "F"),
    (ERR, "E0221 00:18:18.464568 12345 needle_read.go:45] x", "classic glog, still"),
    (None, "E0221 00:18:18.464568 1234 needle_read.go:45 x", "a thread id without ]"),
    (None, "E0221 00:18:18.464568 :45 x", "no file"), (None, "E0221 00:18:18.4645 needle_read.go:45 x", "4 digits"),
    (None, "E0221 00:18:18.464568 needle_read.go x", "no line"), (None, "E0221 00:18:18.464568 a.go:45x", "no blank"),
    (None, "E0221 00:18:18.464568  needle_read.go:45 x", "two blanks"), (None, "X0221 00:18:18.464568 a.go:1 x", "X"),
    (None, "E20250221 00:18:18.464568 a.go:1 x", "a year: glog's own, with its thread id"),
    # zap's console encoder (console_encoder.go: time, level, name, caller, "\t"; LowercaseLevelEncoder)
    (ERR, f"{ZAP_T}\terror\tinternal/queue_sender.go:103\tExporting failed. Dropping data.\t{{\"kind\": \"exporter\", "
          "\"dropped_items\": 26}", "otelcol, trial 62's 28"),
    (WARNING, f"{ZAP_T}\twarn\tx", "warn"), (INFO, f"{ZAP_T}\tinfo\tx", "info"), (DEBUG, f"{ZAP_T}\tdebug\tx", "debug"),
    (CRIT, "1.7400648e+09\tdpanic\tx", "epoch time, dpanic"), (EMERG, f"{ZAP_T}\tpanic\tx", "panic"),
    (CRIT, f"{ZAP_T}\tfatal\tx", "fatal"), (ERR, "2025-02-20 15:30:17\terror\tx", "a layout with a blank"),
    (ERR, f"{ZAP_T}\tERROR\tx", "capitals: step 5's word"),
    (INFO, f"{ZAP_T}\tinfo\tuser said \terror\t", "a level in the message"),
    (None, f"{ZAP_T}\terrors\tx", "not a level"), (None, f"{ZAP_T}\terror x", "no tab after"),
    (None, f"{ZAP_T} error\tx", "a blank before"), (None, f"x{ZAP_T}\terror\tx", "no digit first"),
    (None, "2" + "0" * 64 + "\terror\tx", "a time too long"), (ERR, "2" + "0" * 63 + "\terror\tx", "64 is the most"),
    (None, f"{ZAP_T}\tfailed: error\tx", "a word before"),
    # libreswan's pluto up to 4.1 (log.c: "%s: %s\n" of "%b %e %T", 4.x "%s.%06ld: "; plutomain.c "pluto: FATAL: ...")
    (WARNING, 'Jun  8 18:37:34: pluto: warning: chdir("/run/pluto/") to dumpdir failed (2: No such file or directory)',
     "3.x's log file, trial 62's 19"),
    (CRIT, 'pluto: FATAL: unable to create lock dir: "/run/pluto/": No such file or directory', "stderr, no time"),
    (ERR, "Jun  8 18:37:34.123456: pluto: ERROR: x", "4.x's time"), (CRIT, "pluto: FATAL ERROR: x", "FATAL ERROR"),
    (WARNING, "Jun  8 18:37:34.123456: warning: x", "5.x: no name"),
    (None, "pluto: the peer said: ERROR: x", "words between"), (None, "plutonium: FATAL: x", "another name"),
    (None, "pluto:FATAL: x", "no blank"), (None, 'Jun  8 18:37:34: "conn" #1: pluto: ERROR: x', "after a prefix"),
    (None, "pluto: pluto: ERROR: x", "twice"), (None, "Pluto: FATAL: x", "capitalised"),
    # SDDM (MessageHandler.h standardLogger: "[%1] %2 %3\n", hh:mm:ss.zzz, Xorg's markers)
    (ERR, "[22:49:02.480] (EE) DAEMON: Could not start Display server on vt 1", "SDDM, trial 62's 10"),
    (WARNING, "[22:49:02.480] (WW) GREETER: x", "(WW)"), (INFO, "[22:49:02.459] (II) DAEMON: Initializing...", "(II)"),
    (None, "[22:49:02] (EE) x", "no milliseconds"), (None, "[22:49:02.4801] (EE) x", "four digits"),
    (None, "[2:49:02.480] (EE) x", "one hour digit"), (None, "[22:49:02.480]  (EE) x", "two blanks"),
    (None, "[22:49:02.480] (EE)x", "no blank after"), (None, "[22:49:02.480] DAEMON: (EE) x", "a marker later"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = [STUNNEL_T, "2021.01.13", " ", "17:33:18", "LOG", "LOG3", "LOG8", "[", "]", "]: ", ": ", "1:1406", "main",
          "E0221", "I0221", " 00:18:18.464568", ".4645", "needle_read.go", ":45", " 12345", "] ", ZAP_T, "\t", "error",
          "dpanic", "panic", "ERROR", "1.7400648e+09", "[22:49:02.480] ", "[22:49:02", ".480", "(EE)", "(WW)", "x",
          "é", "\n", "0", "9", "pluto", "pluto: ", "Jun  8 18:37:34: ", "FATAL: ", "warning: ", ": "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=12))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)
