"""Self-hosted services' own console formats (operator trial 5): Icinga 2's `[time] critical/Facility: msg`
(lib/base/streamlogger.cpp), Node-RED's `D Mon hh:mm:ss - [error] msg` (@node-red/util/lib/log.js) and
Zigbee2MQTT 1.x's `Zigbee2MQTT:error time: msg` (lib/util/logger.ts). Each runs under systemd with its log on
stdout (PRIORITY 6), and the general step read no level in any of them: Icinga's failing cluster connection
(Icinga/icinga2#8475) and Zigbee2MQTT's failed start (Koenkk/zigbee2mqtt#15175) were new-failure-template warnings
90 and 120 s in, Zigbee2MQTT's `error ...: Adapter disconnected, stopping` (#3238) raised nothing
(engine/service_levels.py, and its C twin sources/service_levels.h). Also RabbitMQ 3.9+'s `[erro]`, `[noti]`,
`[debu]` (engine/levels.py and sources/levels.h).
"""

from __future__ import annotations

from conftest import entry
from hypothesis import given, settings
from hypothesis import strategies as st
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 2, 3, 4, 5, 6, 7
ICINGA_T = "[2020-11-12 14:07:42 +0100]"

CORPUS: list[tuple[int | None, str, str]] = [
    # Icinga 2
    (CRIT, f"{ICINGA_T} critical/ApiListener: Cannot connect to host '127.0.0.1' on port '5662': Connection refused",
     "icinga2#8475"),
    (INFO, f"{ICINGA_T} information/ApiListener: Reconnecting to endpoint 'a2' via host '127.0.0.1' and port '5662'",
     "information"),
    (WARNING, "[2024-10-30 17:01:01 +0100] warning/JsonRpcConnection: API client disconnected for identity "
              "'satellite'", "warning (icinga2#10209)"),
    (DEBUG, "[2026-08-05 04:00:42 +0200] debug/ApiListener: Not connecting to Endpoint 'x' because we're already "
            "trying to connect to it.", "debug (icinga2#10376)"),
    (NOTICE, "[2021-01-07 00:08:01 -0500] notice/WorkQueue: #5 items: 1104", "notice, a negative offset"),
    (CRIT, "critical/config: Error: syntax error, unexpected new-line", "no timestamp (DisableTimestamp)"),
    (None, f"{ICINGA_T} error/ApiListener: x", "not one of Icinga's severities"),
    (None, f"{ICINGA_T} critical/Api-Listener: x", "a facility with a dash"),
    (None, f"{ICINGA_T} critical/ApiListener:x", "no blank after the colon"),
    (None, f"{ICINGA_T} Critical/ApiListener: x", "a capital"),
    (None, "[2020-11-12 14:07:42 +01:00] critical/ApiListener: x", "an offset with a colon"),
    (None, "[2020-11-12 14:07:42] critical/ApiListener: x", "no offset"),
    (None, "critical/: x", "no facility"),
    # Node-RED
    (ERR, "2 Aug 21:00:51 - [error] Error: connect ECONNREFUSED 0.0.0.0:443", "hassio-addons/app-node-red#1656"),
    (WARNING, "31 Aug 11:39:45 - [warn] [rpi-gpio] Info : Ignoring Raspberry Pi specific node", "node-red#1381"),
    (INFO, "13 Dec 00:00:15 - [info] Node-RED version: v0.17.5", "info"),
    (DEBUG, "13 Dec 00:00:17 - [debug] loaded flow revision: d84a8846a8ef3073ecb32c239f96a967", "debug"),
    (CRIT, "6 Jan 12:22:17 - [fatal] x", "fatal"),
    (INFO, '6 Jan 12:22:17 - [audit] {"event":"flows.set","level":98}', "audit"),
    (DEBUG, "6 Jan 12:22:17 - [trace] x", "trace"),
    (None, "2 Aug 21:00:51 - [red] Uncaught Exception:", "Node-RED's own [red] is no level"),
    (None, "2 Aug 21:00:51 - [ERROR] x", "capitals"),
    (None, "102 Aug 21:00:51 - [error] x", "a three-digit day"),
    (None, "2 Aux 21:00:51 - [error] x", "no month"),
    (None, "2 Aug 21:00:51 [error] x", "no dash"),
    (None, "2 Aug 21:00:51 - [error]x", "no blank after the bracket"),
    (None, "2 Aug 1:00:51 - [error] x", "a one-digit hour"),
    # Zigbee2MQTT 1.x
    (ERR, "Zigbee2MQTT:error 2022-11-24 23:16:38: Failed to start zigbee", "zigbee2mqtt#15175 (console)"),
    (INFO, "Zigbee2MQTT:info  2024-04-06 20:38:40: Connected to MQTT server", "info, padded"),
    (WARNING, "Zigbee2MQTT:warn  2024-04-06 20:38:40: x", "warn, padded"),
    (DEBUG, "Zigbee2MQTT:debug 2023-12-08 12:59:16: Loaded state from file /config/zigbee2mqtt/state.json", "debug"),
    (ERR, "error 2020-04-09 15:49:51: Adapter disconnected, stopping", "zigbee2mqtt#3238 (the log file)"),
    (INFO, "info  2020-04-09 15:49:51: Starting zigbee-herdsman...", "the log file's info"),
    (None, "Zigbee2MQTT:warn 2024-04-06 20:38:40: x", "not padded"),
    (None, "Zigbee2MQTT:error 2022-11-24 23:16:38 Failed", "no colon after the time"),
    (None, "Zigbee2MQTT:error 2022-11-24T23:16:38: x", "not the default timestamp_format"),
    (None, "zigbee2mqtt:error 2022-11-24 23:16:38: x", "not Zigbee2MQTT's name"),
    (None, "warning 2022-11-24 23:16:38: x", "not one of its five-column levels"),
    # RabbitMQ 3.9+'s four-letter levels, lower case alone in brackets (engine/levels._RABBITMQ_LEVELS): its errors
    # were read at journald's default 6 (trial 75); not level words anywhere (`ERRO[12] x` stays none)
    (ERR, "2022-01-31 18:01:20.441571+00:00 [erro] <0.692.0> ** Connection attempt from node "
          "'rabbit_ctl_17@keith-testing-rabbitmq' rejected. Invalid challenge reply. **", "Google Ops Agent's sample"),
    (ERR, "2021-12-10 22:52:40.301255+08:00 [erro] <0.131.0> ERROR: could not bind to distribution port 25672, it is "
          "in use by another node: rabbit@mq1", "a boot failure"),
    (ERR, "2024-10-08 20:51:10.016352+00:00 [erro] <0.228.0> Discarding message {'$gen_cast',{force_event_refresh,"
          "#Ref<0.3078140120.3381919745.170350>}} from <0.228.0> to <0.1647.0> in an old incarnation", "k8s"),
    (NOTICE, "2022-07-16 12:58:56.091401+00:00 [noti] <0.44.0> Application syslog exited with reason: stopped",
     "its notice"),
    (DEBUG, "2022-07-16 12:58:56.091401+00:00 [debu] <0.222.0> Starting mnesia", "its debug"),
    (WARNING, "2022-07-16 12:58:56.091401+00:00 [warn] <0.222.0> Feature flags: x", "read already"),
    (INFO, "2022-07-16 12:58:56.091401+00:00 [info] <0.222.0> Running boot step recovery", "read already"),
    (None, "2022-07-16 12:58:56.091401+00:00 [ERRO] <0.222.0> x", "upper case: not RabbitMQ's"),
    (None, "2022-07-16 12:58:56.091401+00:00 [ erro ] <0.222.0> x", "spaced: not RabbitMQ's"),
    (None, "erro ao conectar", "a word, not in brackets"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = [ICINGA_T, "[2020-11-12 14:07:42 ", "+0100]", " ", "critical", "information", "/", "ApiListener", ": ",
          "2 Aug", "31", " Aug ", "21:00:51", " - [", "error", "warn", "]", "Zigbee2MQTT:", "error", "info ",
          " 2022-11-24 23:16:38", ":", "x", "é", "\t", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=10))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


def test_icinga_losing_its_cluster_peer_pages_at_its_first_critical_line(make_journal) -> None:
    """Icinga/icinga2#8475: two hours of information/ lines, then `critical/ApiListener: Cannot connect` every
    10 s. Icinga's critical is crit (its own syslog mapping): new-fatal-template at the first line; before, a
    new-failure-template warning 90 s in (trial 5)."""
    unit = "icinga2.service"
    normal = steady(unit, 0, 2 * HOUR, 20, ICINGA_T + " information/ApiListener: Replayed {n} messages.")
    refused = [entry(f"{ICINGA_T} critical/ApiListener: Cannot connect to host '127.0.0.1' on port '5662': "
                     "Connection refused", unit=unit, at=2 * HOUR + 10 * n) for n in range(20)]
    found = scan_anomalies(make_journal(by_time(normal, refused)))
    assert [(i["rule"], i["severity"]) for i in found] == [("new-fatal-template", "critical")], found
    assert found[0]["realtime_usec"] == int(refused[0]["__REALTIME_TIMESTAMP"])


def test_node_red_error_lines_are_an_error_level_anomaly(make_journal) -> None:
    """A Node-RED flow failing every 5 s: its `[error]` lines are err, new-error-template at the third."""
    unit = "nodered.service"
    normal = steady(unit, 0, 2 * HOUR, 20, "31 Aug 11:39:49 - [info] [inject:{n}] Started flows")
    failing = [entry("2 Aug 21:00:51 - [error] [http request:fetch] Error: connect ECONNREFUSED 10.0.0.5:443",
                     unit=unit, at=2 * HOUR + 5 * n) for n in range(20)]
    found = scan_anomalies(make_journal(by_time(normal, failing)))
    assert [(i["rule"], i["severity"]) for i in found] == [("new-error-template", "error")], found
    assert found[0]["realtime_usec"] == int(failing[2]["__REALTIME_TIMESTAMP"])


def test_zigbee2mqtt_failing_to_start_is_an_error_level_anomaly(make_journal) -> None:
    """Koenkk/zigbee2mqtt#15175: Zigbee2MQTT's `error` lines, its start failing every 30 s; before, a
    new-failure-template warning two minutes in (trial 5)."""
    unit = "zigbee2mqtt.service"
    normal = steady(unit, 0, 2 * HOUR, 20, "Zigbee2MQTT:info  2024-04-06 20:38:40: MQTT publish: topic 'z/{n}'")
    failing = [entry("Zigbee2MQTT:error 2022-11-24 23:16:38: Failed to start zigbee", unit=unit,
                     at=2 * HOUR + 30 * n) for n in range(10)]
    found = scan_anomalies(make_journal(by_time(normal, failing)))
    assert [(i["rule"], i["severity"]) for i in found] == [("new-error-template", "error")], found
    assert found[0]["realtime_usec"] == int(failing[2]["__REALTIME_TIMESTAMP"])
