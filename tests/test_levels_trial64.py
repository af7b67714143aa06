"""Trial 64's levels written behind a program's own prefix, none of which was read (engine/app_levels.py, its C twin
sources/app_levels.h): TeamSpeak 3's `time|CRITICAL|`, tarantool's `[pid] cord/fid/name F> ` (src/lib/core/say.c),
Privoxy's `time thread-id Fatal error: ` (errlog.c), PulseAudio's `E: [thread] file.c: ` (src/pulsecore/log.c),
motion's `[n:name] [ALR] [ALL] ` (logger.c), murmur's `<C>time ` (src/murmur/main.cpp), ESPHome's `[E][tag:line]:`
(components/logger) and FHEM's `time 1: ` (fhem.pl Log3).

1. A corpus of lines as the programs write them, and look-alikes (the marks quoted later in a message or a client's
   text, a near miss of the shape) that are no level, read alike by Python and C.
2. C and Python agree on generated lines built from the pieces of these formats.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 0, 1, 2, 3, 4, 5, 6, 7
TS3_T = "2014-10-28 20:20:16.707575"
TT_T = "2016-11-09 13:42:56.828 [25078]"
PX_T = "2016-05-18 15:05:47.713"
MM_T = "2023-06-21 15:02:38.594"

CORPUS: list[tuple[int | None, str, str]] = [
    # TeamSpeak 3 (and any level word between bars after a time)
    (CRIT, f'{TS3_T}|CRITICAL|DatabaseQuery |   | unable to load database plugin library "libts3db_mysql.so", halting!',
     "trial 64's 23"),
    (ERR, f"{TS3_T}|ERROR   |FileManager   |   | Failed to create directory", "22"),
    (WARNING, f"{TS3_T}|WARNING |Accounting    |   | x", "WARNING"),
    (INFO, f"{TS3_T}|INFO    |ServerLibPriv |   | x", "INFO"),
    (ERR, "2014-10-28T20:20:16|ERROR|x", "no fraction, a T"),
    (None, f"{TS3_T}|DEVELOP |x|", "not a level word"), (None, f"{TS3_T}|Error   |x", "not upper case"),
    (None, f"{TS3_T}|ERROR        |x", "eight blanks"), (None, f"{TS3_T} |ERROR   |x", "a blank before"),
    (None, "user said |ERROR   | x", "no time"), (None, f"{TS3_T}|ERROR   x", "no bar after"),
    (INFO, f"{TS3_T}|INFO    |x| said |CRITICAL|", "a level later is no level"),
    # tarantool (say.c say_format_plain: time, [pid], cord/fid/fiber, file:line for W/E/!, level_chars, "> ")
    (CRIT, f"{TT_T} wal/101/main F> WAL writer: thread join failed: No such file or directory", "panic, 16"),
    (ERR, f"{TT_T} main/101/main wal.c:1036 !> fsync: Input/output error", "S_SYSERROR with its place"),
    (ERR, f"{TT_T} main E> x", "a cord alone"), (WARNING, f"{TT_T} main/103/x box.cc:10 W> x", "W"),
    (INFO, f"{TT_T} main/101/interactive I> ready to accept requests", "I"), (INFO, f"{TT_T} main V> x", "V"),
    (DEBUG, f"{TT_T} main D> x", "D"),
    (NOTICE, f"{TT_T} main/101/tarantool_totem_shard6 C> Tarantool 1.10.4-22-ge3b974b", "its banner, N6"),
    (None, f"{TT_T} main X> x", "not a level char"), (None, f"{TT_T} main F>x", "no blank after"),
    (None, f"{TT_T} main/101/main x.c F> x", "a place without its line"),
    (None, "2016-11-09 13:42:56 [25078] main F> x", "no milliseconds"),
    (None, f"{TT_T} main said E> x", "two words before"), (None, "[25078] main F> x", "no time"),
    # Privoxy (errlog.c log_error: "%s %08lx %s: ")
    (CRIT, f"{PX_T} b6fa6390 Fatal error: can't bind to ::1:8118: There may be another Privoxy", "trial 64's 24"),
    (ERR, f"{PX_T} 7f3a2c1e4700 Error: x", "a 64-bit thread id"), (INFO, "May 18 15:05:47.713 b6fa6390 Info: x", "old"),
    (None, f"{PX_T} b6fa6390 Request: x", "no severity"), (None, f"{PX_T} b6fa639 Error: x", "seven hex digits"),
    (None, f"{PX_T} B6FA6390 Error: x", "capital hex"), (None, f"{PX_T} b6fa6390 Fatal error:x", "no blank"),
    (None, f"{PX_T} b6fa6390 fatal error: x", "lower case"),
    (None, f"{PX_T} b6fa6390 Connect: peer said Fatal error: x", "the word later"),
    # PulseAudio (log.c: "%c: " then "[%s] %s: " or "[%s][%s:%i %s()] ")
    (ERR, "E: [pulseaudio] bluez5-util.c: GetManagedObjects() failed: org.freedesktop.DBus.Error.NoReply", "28"),
    (WARNING, "W: [alsa-sink-ALC892 Analog] alsa-sink.c: x", "a thread with a blank"),
    (NOTICE, "N: [pulseaudio] x.cc: x", "C++"), (DEBUG, "D: [pulseaudio][module.c:123 pa_module_load()] x", "META"),
    (INFO, "I: [pulseaudio] main.c: E: [x] y.c: z", "a later mark is no level"),
    (None, "E: something failed", "a bare E:"), (None, "E: [pulseaudio] bluez5-util: x", "no .c"),
    (None, "E: [pulseaudio] x.py: x", "not C"), (None, "X: [pulseaudio] x.c: x", "not a level char"),
    (None, "user said E: [pulseaudio] x.c: y", "words before"), (None, "E: [] x.c: x", "no thread"),
    # motion (logger.c: "[%d:%s] [%s] [%s] ", maybe its time first)
    (ALERT, "[1:ml1] [ALR] [ALL] motion_init: Error capturing first image", "trial 64's probe"),
    (EMERG, "[1:ml1] [EMG] [ALL] x", "EMG"), (CRIT, "[0:motion] [CRT] [NET] x", "CRT"),
    (NOTICE, "Jan 09 04:22:25 [1:ml1] [NTC] [EVT] x", "its time"), (ERR, "[1] [ERR] [ALL] x", "3.x: no name"),
    (None, "[1:ml1] [ALR] [all] x", "a type in lower case"), (None, "[1:ml1] [ALRT] [ALL] x", "not motion's"),
    (None, "[1:ml1]  [ALR] [ALL] x", "two blanks"), (None, "peer [1:ml1] [ALR] [ALL] x", "words before"),
    (ERR, "[1:ml1] [ERR] x", "no type: the bracketed ERR, read as before"),
    # murmur (main.cpp: "<%1>%2 %3")
    (CRIT, f"<C>{MM_T} 1 => x", "qCritical"), (ALERT, f"<F>{MM_T} x", "qFatal"),
    (WARNING, f"<W>{MM_T} 1 => Server: TCP Listen on 0.0.0.0:64738 failed: The bound address is already in use",
     "qWarning, trial 64's 02"), (DEBUG, f"<D>{MM_T} x", "D"),
    (None, f"<X>{MM_T} x", "another type"), (None, "<C>2023-06-21 15:02:38 x", "no milliseconds"),
    (None, f"<C> {MM_T} x", "a blank"),
    # ESPHome (logger: "%s[%s][%s:%03u]: ", the CLI's [time] before)
    (ERR, "[08:41:47][E][api.connection:604]: Client disconnected with error", "trial 64's 09"),
    (WARNING, "[W][wifi:123]: x", "no time"), (INFO, "[C][logger:045]: x", "config"),
    (DEBUG, "[08:41:47][VV][scheduler:1]: x", "VV"),
    (ERR, "[08:41:47]\x1b[0;31m[E][sensor.dht:012]: x\x1b[0m", "coloured"),
    (ERR, "[E][sensor:012]\x1b[1;31m[loopTask]\x1b[0;31m: x", "off the main task"),
    (None, "[08:41:47][X][api:1]: x", "not a letter"), (None, "[08:41:47][E][api]: x", "no line"),
    (None, "[08:41:47][E][api:1] x", "no colon"), (None, "said [E][api:1]: x", "words before"),
    # FHEM (Log3: "$tim $loglevel: $text")
    (ERR, "2017.02.06 21:13:13 1: Can't open /dev/serial/by-id/usb-Arduino: No such file or directory", "29"),
    (NOTICE, "2017.02.06 21:13:13 0: Server started with 12 defined entities", "0"),
    (WARNING, "2017.02.06 21:13:13.123 2: x", "mseclog"), (INFO, "2017.02.06 21:13:13 3: x", "3"),
    (DEBUG, "2017.02.06 21:13:13 5: x", "5"), (None, "2017.02.06 21:13:13 6: x", "no such verbosity"),
    (None, "2017.02.06 21:13:13 1:x", "no blank"), (None, "2017.02.06 21:13:13 11: x", "two digits"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = [TS3_T, "|", "CRITICAL", "ERROR", "   ", TT_T, " ", "main", "/101/", "wal.c:10", "F", "!", "E", "> ", PX_T,
          "b6fa6390", "Fatal error", "Error", ": ", "E: [", "pulseaudio", "] ", "x.c", "x.cc", "[", "]", ":12 f()] ",
          "Jan 09 04:22:25 ", "[1:ml1] ", "[ALR] ", "[ALL] ", "<C>", "<W>", MM_T, "[08:41:47]", "\x1b[0;31m", "[E]",
          "[VV]", "[api:604]", "2017.02.06 21:13:13", ".123", " 1: ", "x", "é", "\n", "0", "-", "."]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=12))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)
