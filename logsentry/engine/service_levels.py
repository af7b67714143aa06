"""Step 3 of the text level grammar (engine/format_levels.py), continued: the fixed formats of self-hosted services'
own console loggers, whose level is a lowercase word in a place the general step does not look (operator trial 5).

- Icinga 2 (lib/base/streamlogger.cpp, StreamLogger::ProcessLogEntry: `[%Y-%m-%d %H:%M:%S %z] severity/Facility:
  msg`, the severity Logger::SeverityToString's): `[2020-11-12 14:07:42 +0100] critical/ApiListener: Cannot connect
  to host '127.0.0.1' on port '5662': Connection refused` (Icinga/icinga2#8475). Its console logger writes to stdout,
  which journald stores at PRIORITY 6 (Icinga/icinga2#4021: `icinga2[59394]: [2016-03-10 17:52:15 +0200]
  critical/ApiListener: Cannot bind TCP socket ...`); the general step reads `critical` only in capitals or before
  a colon. The levels map as Icinga's own syslog and journald loggers map them (lib/base/sysloglogger.cpp,
  SyslogHelper::SeverityToNumber): `debug` debug, `notice` notice, `information` info, `warning` warning,
  `critical` crit. The facility is a type or component name (`ApiListener`, `IdoMysqlConnection`, `cli`), read as
  letters, digits and `_`. The timestamp can be turned off (Logger::DisableTimestamp), and the line then starts
  at the severity. Icinga writes its startup, and a failing configuration (`critical/config: Error: syntax error`,
  Icinga/icinga2#7394), to the console under systemd.
- Node-RED (@node-red/util/lib/log.js, consoleLogger: `D Mon HH:MM:SS - [level] msg`, the time Node's util.log
  wrote until Node 22, which log.js now copies): `2 Aug 21:00:51 - [error] Error: connect ECONNREFUSED
  0.0.0.0:443` (hassio-addons/app-node-red#1656). The day and month come before the time, so the general step
  skips no prefix and never reaches the bracket. The level is one of log.js's levelNames: `fatal` crit, `error`
  err, `warn` warning, `info` info, `debug` and `trace` debug; `audit` and `metric` (JSON records of what was
  done) info.
- Zigbee2MQTT 1.x (lib/util/logger.ts: the console `Zigbee2MQTT:LEVEL TIME: msg`, the log file `LEVEL TIME: msg`,
  the level padded to five characters, `info `, `warn `, `error`, `debug`, the time in the default
  advanced.timestamp_format `YYYY-MM-DD HH:mm:ss`): `Zigbee2MQTT:error 2022-11-24 23:16:38: Failed to start
  zigbee` (Koenkk/zigbee2mqtt#15175), `error 2020-04-09 15:49:51: Adapter disconnected, stopping` (#3238). Its
  documented systemd unit runs `npm start`, whose stdout journald stores at PRIORITY 6. Zigbee2MQTT 2.x writes
  `[TIME] error: \tz2m: msg`, which the general step reads. A timestamp_format of the user's own is not read.

`sources/service_levels.h` is the C twin; tests/test_levels_services.py holds the two to the same answers.
"""

from __future__ import annotations

import re

FIRST = frozenset("[0123456789Zdnicwe")
"""The first characters of these formats (format_levels.FIXED_FIRST has them all)."""

_ICINGA = re.compile(r"(?:\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] )?"
                     r"(debug|notice|information|warning|critical)/[A-Za-z0-9_]+: ")
ICINGA_LEVELS = {"debug": 7, "notice": 5, "information": 6, "warning": 4, "critical": 2}
"""Icinga 2's severities (Logger::SeverityToString) and the syslog priority SyslogHelper::SeverityToNumber gives."""
_NODE_RED = re.compile(r"[0-9]{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{2}:[0-9]{2}:[0-9]{2} - "
                       r"\[(fatal|error|warn|info|debug|trace|audit|metric)\] ")
NODE_RED_LEVELS = {"fatal": 2, "error": 3, "warn": 4, "info": 6, "debug": 7, "trace": 7, "audit": 6, "metric": 6}
"""Node-RED's levelNames (@node-red/util/lib/log.js) as syslog priorities."""
_ZIGBEE2MQTT = re.compile(r"(?:Zigbee2MQTT:)?(info |warn |error|debug) [0-9]{4}-[0-9]{2}-[0-9]{2} "
                          r"[0-9]{2}:[0-9]{2}:[0-9]{2}: ")
ZIGBEE2MQTT_LEVELS = {"info ": 6, "warn ": 4, "error": 3, "debug": 7}
"""Zigbee2MQTT 1.x's levelWithCompensatedLength (lib/util/logger.ts) as syslog priorities."""


def service_level(message: str) -> int | None:
    """The priority of one of these formats' level at the start of `message` (not empty), or None."""
    first = message[0]
    if (first == "[" or first in "dnicw") and (found := _ICINGA.match(message)):
        return ICINGA_LEVELS[found[1]]
    if "0" <= first <= "9" and (found := _NODE_RED.match(message)):
        return NODE_RED_LEVELS[found[1]]
    if first in "Ziwed" and (found := _ZIGBEE2MQTT.match(message)):
        return ZIGBEE2MQTT_LEVELS[found[1]]
    return None
