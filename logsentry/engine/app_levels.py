"""More levels programs write behind a prefix of their own (trial 64: none was read, so a fatal line fired no
new-fatal-template and an error line was not listed below a trigger). As in program_levels.py, each anchors at the
start of the line, or after the program's own time, and nowhere else: a client's text holding the same marks later in
a line (`user said E: [x] y.c: z`) is no level.

- A level field between bars right after a time (TeamSpeak 3's server log, closed source, as its files show it:
  `2014-10-28 20:20:16.707575|CRITICAL|DatabaseQuery |   | unable to load database plugin library ..., halting!`;
  `|ERROR   |`, `|WARNING |`, `|INFO    |`, padded to 8): any upper-case level word (level_words.LEVEL_WORDS), as
  loguru's ` | ERROR    | ` after a time is read already (Open vSwitch's `time|seq|module|ERR|` has its sequence
  number first: program_levels).
- tarantool (src/lib/core/say.c say_format_plain: `%F %H:%M`, `:%06.3f`, ` [%i]` of the pid, ` %s` the cord's name,
  `/%i/%s` the fiber's id and name, for warnings and errors ` %s:%i` the file and line, then ` %c> ` of level_chars:
  `2016-11-09 13:42:56.828 [25078] wal/101/main F> WAL writer: thread join failed`). F is S_FATAL, what panic()
  logs before it exits: crit, as MiniDLNA's fatal; `!` S_SYSERROR and E err; W warning; I and V (S_VERBOSE, sent to
  syslog as LOG_INFO) info; D debug. C (S_CRIT) is what tarantool prints whatever the log level, its banner (`C>
  Tarantool 1.10.4-22-ge3b974b`, `C> log level 5`, trial 64's N6, a plain start): notice, not its name's crit.
- Privoxy (errlog.c log_error: `"%s %08lx %s: "` of get_log_timestamp's `%b %d %H:%M:%S.%03ld`, since 3.0.x `%Y-%m-%d
  %H:%M:%S.%03ld`, the thread id in hex and get_log_level_string's word): `2016-05-18 15:05:47.713 b6fa6390 Fatal
  error: can't bind to ::1:8118: ...`. `Fatal error` is LOG_LEVEL_FATAL, after which fatal_error() exits: crit;
  `Error` err; `Info` info. Its other words (`Request`, `Connect`, `Header`, `Crunch`, ...) name what the line is
  about, no severity: not read.
- PulseAudio (src/pulsecore/log.c pa_log_levelv_meta: with PA_LOG_PRINT_LEVEL `%c: ` of level_to_char, `E` `W` `N`
  `I` `D`, then with PA_LOG_PRINT_FILE `[%s] %s: ` of the thread's name and the source file, or with PA_LOG_PRINT_META
  `[%s][%s:%i %s()] `): `E: [pulseaudio] bluez5-util.c: GetManagedObjects() failed: ...`. A bare `E: ` is anyone's,
  so only with the thread in brackets and the C file behind it; the levels as level_to_syslog sends them.
- Motion and MotionPlus (logger.c motion_log: `"[%d:%s] [%s] [%s] "` of the thread's number and name,
  log_level_str's `EMG` `ALR` `CRT` `ERR` `WRN` `NTC` `INF` `DBG` and log_type_str's `COR` .. `ALL`; maybe its
  `%b %d %H:%M:%S` time first): `[1:ml1] [ALR] [ALL] motion_init: Error capturing first image`. The levels are
  syslog's, which motion logs them at; a bracketed `[ERR]` anywhere near the start was read already, `[ALR]`,
  `[EMG]`, `[CRT]` and `[NTC]` were not.
- Murmur (src/murmur/main.cpp murmurMessageOutput: `"<%1>%2 %3"` of a letter per Qt message type, the time as
  `yyyy-MM-dd hh:mm:ss.zzz` and the text): `<C>2023-06-21 15:02:38.594 1 => ...`. Read as murmur itself sends them
  to syslog when told to (logToSyslog: D debug, W warning, C crit, F alert, then it exits); X, another type, none.
  Server::log() writes a server's every line through qWarning, so its start-up is warning as its failures are.
- ESPHome's logger (components/logger Logger::write_header_: `%s[%s][%s:%03u]: ` of a colour, LOG_LEVEL_LETTERS, the
  tag and the line, or off the main task `[%s:%03u]` then the task's name in colour; the `esphome logs` command puts
  `[%H:%M:%S]` before it): `[08:41:47][E][api.connection:604]: Client disconnected with error`. E err, W warning, I
  and C (config) info, D, V and VV debug.
- FHEM (fhem.pl Log3: `"$tim $loglevel: $text"` of `%Y.%m.%d %H:%M:%S`, maybe `.%03d` with mseclog): `2017.02.06
  21:13:13 1: Can't open /dev/serial/...`. The digit is the verbosity the line was logged at (commandref's
  `verbose`: 0 server start and stop, notice; 1 error messages, err; 2 major events and alarms, warning; 3 commands,
  info; 4 and 5 what the devices read and debugging, debug).

- The kernel's DRM drivers (drivers/gpu/drm/drm_print.c: `__drm_err` prints `KERN_ERR "[drm:%ps] *ERROR* "`, and
  `drm_dev_printk` the same behind dev_printk's `driver bus-id: `; %ps names the function and, in a module, the module
  in brackets): `[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring gfx_0.0.0 timeout, signaled seq=228661, ...`,
  `amdgpu 0000:03:00.0: [drm:amdgpu_ring_test_helper [amdgpu]] *ERROR* ring kiq_2.1.0 test failed (-110)`. A dmesg
  or syslog paste keeps no KERN_ERR: err (trial 65: a GPU hang's eight such lines had no level).
- npm's log prefix (`npm ERR! `, `npm WARN ` up to npm 9, lib/utils/log-shim.js over npmlog; `npm error `, `npm warn
  `, `npm notice ` since npm 10, lib/utils/display.js): err, warning, notice. And yarn 1's console reporter
  (src/reporters/console/console-reporter.js: `error `, `warning ` in colour, then the message, which starts with a
  capital or a quote: `error An unexpected error occurred: "ENOSPC: no space left on device, mkdir ..."`): err and
  warning. A Docker image's build log is mostly theirs (trial 65: a build that ran out of disk had no error line).

`sources/app_levels.h` is the C twin; tests/test_levels_trial64.py holds the two to the same answers.
"""

from __future__ import annotations

import re

from .level_words import word_level

_PIPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?\|([A-Z]{3,8}) {0,7}\|")
TARANTOOL_LEVELS = {"F": 2, "!": 3, "E": 3, "C": 5, "W": 4, "I": 6, "V": 6, "D": 7}
"""tarantool's level_chars and the priority each is read as."""
_TARANTOOL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} \[[0-9]{1,10}\] "
                        r"[!-~]{1,128}(?: [A-Za-z0-9_.+-]{1,128}:[0-9]{1,6})? ([F!ECWIVD])> ")
PRIVOXY_LEVELS = {"Fatal error": 2, "Error": 3, "Info": 6}
_PRIVOXY = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[A-Z][a-z]{2} [0-9]{2}) [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} "
                      r"[0-9a-f]{8,16} (Fatal error|Error|Info): ")
PULSE_LEVELS = {"E": 3, "W": 4, "N": 5, "I": 6, "D": 7}
_PULSE = re.compile(r"([EWNID]): \[[^\]\n]{1,64}\](?: [A-Za-z0-9_.-]{1,64}\.cc?: "
                    r"|\[[A-Za-z0-9_.-]{1,64}\.cc?:[0-9]{1,6} [A-Za-z0-9_]{1,64}\(\)\] )")
MOTION_LEVELS = {"EMG": 0, "ALR": 1, "CRT": 2, "ERR": 3, "WRN": 4, "NTC": 5, "INF": 6, "DBG": 7}
_MOTION = re.compile(r"(?:[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} )?\[[0-9]{1,5}(?::[A-Za-z0-9_.-]{0,31})?\] "
                     r"\[(EMG|ALR|CRT|ERR|WRN|NTC|INF|DBG)\] \[[A-Z]{3}\] ")
MURMUR_LEVELS = {"D": 7, "W": 4, "C": 2, "F": 1}
_MURMUR = re.compile(r"<([DWCF])>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ")
ESPHOME_LEVELS = {"E": 3, "W": 4, "I": 6, "C": 6, "D": 7, "V": 7, "VV": 7}
_ESPHOME = re.compile(r"(?:\[[0-9]{2}:[0-9]{2}:[0-9]{2}\])?(?:\x1b\[[0-9;]{1,12}m)?\[(VV|[EWICDV])\]"
                      r"\[[A-Za-z0-9_.-]{1,64}:[0-9]{1,6}\](?::|\x1b)")
FHEM_LEVELS = {"0": 5, "1": 3, "2": 4, "3": 6, "4": 7, "5": 7}
_FHEM = re.compile(r"[0-9]{4}\.[0-9]{2}\.[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})? ([0-5]): ")


_DRM = re.compile(r"(?:[a-z0-9_-]{1,32} [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: )?"
                  r"\[drm:[A-Za-z0-9_.]{1,128}(?: \[[A-Za-z0-9_]{1,64}\])?\] \*ERROR\* ")
NPM_LEVELS = {"ERR!": 3, "error": 3, "WARN": 4, "warn": 4, "notice": 5}
_NPM = re.compile(r"npm (ERR!|error|WARN|warn|notice) ")
YARN_LEVELS = {"error": 3, "warning": 4}
_YARN = re.compile(r"(error|warning) [A-Z\"]")


def kernel_level(message: str) -> int | None:
    """The level of a kernel line that carries no PRIORITY (a dmesg or syslog paste) where its text is sure of it:
    DRM's `*ERROR*`, which only KERN_ERR lines print. Its other words are no level (levels.effective_priority)."""
    return 3 if _DRM.match(message) else None


def app_level(message: str) -> int | None:
    """The priority one of these programs wrote at the start of `message` (not empty), or None."""
    first = message[0]
    if "0" <= first <= "9":
        if message[4:5] == "-":
            if (found := _PIPE.match(message)) is not None:
                return word_level(found[1], False)
            if (found := _TARANTOOL.match(message)) is not None:
                return TARANTOOL_LEVELS[found[1]]
        elif message[4:5] == ".":
            return FHEM_LEVELS[found[1]] if (found := _FHEM.match(message)) else None
        found = _PRIVOXY.match(message)
        return PRIVOXY_LEVELS[found[1]] if found else None
    if first == "[" or first == "\x1b":
        if (found := _MOTION.match(message)) is not None:
            return MOTION_LEVELS[found[1]]
        if (found := _ESPHOME.match(message)) is not None:
            return ESPHOME_LEVELS[found[1]]
        return 3 if _DRM.match(message) else None
    if "a" <= first <= "z":
        if (found := _NPM.match(message)) is not None:
            return NPM_LEVELS[found[1]]
        if (found := _YARN.match(message)) is not None:
            return YARN_LEVELS[found[1]]
        return 3 if _DRM.match(message) else None
    if first == "<":
        found = _MURMUR.match(message)
        return MURMUR_LEVELS[found[1]] if found else None
    if "A" <= first <= "Z" and message[1:2] == ":":
        found = _PULSE.match(message)
        return PULSE_LEVELS[found[1]] if found else None
    if "A" <= first <= "Z" and (found := _MOTION.match(message)) is not None:
        return MOTION_LEVELS[found[1]]
    if "A" <= first <= "Z" and (found := _PRIVOXY.match(message)) is not None:
        return PRIVOXY_LEVELS[found[1]]
    return None
