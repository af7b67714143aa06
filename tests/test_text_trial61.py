"""Trial 61's readers, through the CLI on small text files: the level of Python logging's padded `name LEVEL   : `
(Frigate), of OSSEC's and Wazuh's `daemon: ERROR: ` and of Suricata's `<Error>` (up to 6.x); Suricata's times (both
layouts), runit's svlogd -tt times, and OpenWrt logread lines a daemon wrote without an identifier."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli


def _summary(path: Path, *args: str) -> dict[str, Any]:
    done = run_cli("scan", "--file", str(path), "-o", "json", "--no-anomalies", *args)
    return next(record for record in map(json.loads, done.stdout.splitlines()) if record["type"] == "summary")


def _err_entries(path: Path) -> int:
    return int(_summary(path, "-p", "err")["entries"])


def _local_usec(*parts: int) -> int:
    return int(datetime(*parts).timestamp()) * 1_000_000  # (the reader's local time)


def test_python_logging_padded_level_frigate(tmp_path: Path) -> None:
    path = tmp_path / "frigate.log"  # frigate/log.py "[%(asctime)s] %(name)-30s %(levelname)-8s: ", behind s6-log's
    path.write_text(
        "2023-06-14 22:22:05.500593881  [2023-06-14 22:22:05] watchdog.wificam               ERROR   : Ffmpeg process "
        "crashed unexpectedly for wificam.\n"
        "2023-06-14 22:22:05.502197477  [2023-06-14 22:22:05] watchdog.wificam               ERROR   : The following "
        "ffmpeg logs include the last 100 lines prior to exit.\n"
        "2023-06-14 22:22:06.000000000  [2023-06-14 22:22:06] watchdog.wificam               INFO    : user said "
        "ERROR : x\n")
    assert _err_entries(path) == 2
    assert _summary(path)["first_usec"] == _local_usec(2023, 6, 14, 22, 22, 5) + 500593


def test_python_logging_level_in_docker_json_file(tmp_path: Path) -> None:
    path = tmp_path / "frigate-json.log"  # trial 61's 33: Docker's json-file, the text on stderr
    path.write_text("".join(json.dumps({"log": f"[2022-11-02 14:09:05] watchdog.garage                {level}: x\n",
                                        "stream": "stderr", "time": "2022-11-02T21:09:05.655044802Z"}) + "\n"
                            for level in ("ERROR   ", "ERROR   ", "INFO    ", "WARNING ")))
    assert _err_entries(path) == 2


def test_ossec_and_wazuh_levels(tmp_path: Path) -> None:
    path = tmp_path / "ossec.log"  # src/shared/debug_op.c: "%s " time, "%s: " tag, "%s: " level
    path.write_text("2020/05/19 15:27:30 ossec-remoted: ERROR: (1210): Queue '/queue/ossec/queue' not accessible: "
                    "'Connection refused'.\n"
                    "2024/07/15 08:39:49 wazuh-db: INFO: Started (pid: 1373).\n"
                    "2024/07/15 08:39:57 wazuh-analysisd: ERROR: Unable to connect to socket 'queue/db/wdb'.\n"
                    "2024/07/15 08:39:58 wazuh-modulesd:syscollector: INFO: the agent said ERROR: x\n")
    assert _err_entries(path) == 2
    assert _summary(path)["first_usec"] == _local_usec(2020, 5, 19, 15, 27, 30)


SURICATA_6 = """\
[7453] 6/7/2018 -- 16:51:47 - (suricata.c:1070) <Notice> (LogVersion) -- This is Suricata version 4.1.0-dev
[7453] 6/7/2018 -- 16:51:47 - (util-ioctl.c:101) <Warning> (GetIfaceMTU) -- [ERRCODE: SC_ERR_SYSCALL(50)] - \
Failure when trying to get MTU via ioctl for 'enp0s3': No such device (19)
[7458] 6/7/2018 -- 16:51:52 - (detect-urilen.c:360) <Error> (DetectUrilenValidateContent) -- [ERRCODE: \
SC_ERR_INVALID_SIGNATURE(39)] - depth or urilen 3 smaller than content len 5
26/12/2015 -- 21:26:03 - <Info> - Running suricata under test mode
"""


def test_suricata_6_levels(tmp_path: Path) -> None:
    path = tmp_path / "suricata.log"  # src/util-debug.c: "[%i] %t - (%f:%l) <%d> (%n) -- ", "%t - <%d> - "
    path.write_text(SURICATA_6)
    assert _err_entries(path) == 1


def test_suricata_6_times(tmp_path: Path) -> None:
    path = tmp_path / "suricata.log"  # "%t": "%d/%d/%04d -- %02d:%02d:%02d", day first, local time
    path.write_text(SURICATA_6)
    summary = _summary(path)
    assert summary["entries"] == 4
    assert (summary["first_usec"], summary["last_usec"]) == (_local_usec(2015, 12, 26, 21, 26, 3),
                                                             _local_usec(2018, 7, 6, 16, 51, 52))


def test_suricata_7_times_and_levels(tmp_path: Path) -> None:
    path = tmp_path / "suricata.log"  # Suricata 7's "[%i - %m] %z %d: %S: "
    path.write_text("[9438 - Suricata-Main] 2023-08-26 13:49:20 Notice: suricata: This is Suricata version 7.0.0\n"
                    "[9440 - Suricata-Main] 2023-08-26 13:49:21 Warning: detect: No rule files match the pattern\n"
                    "[9440 - W#01-eth0] 2023-08-26 13:49:22 Error: detect: 1 rule files specified, but no rules were "
                    "loaded!\n")
    summary = _summary(path)
    assert (summary["first_usec"], summary["last_usec"]) == (_local_usec(2023, 8, 26, 13, 49, 20),
                                                             _local_usec(2023, 8, 26, 13, 49, 22))
    assert _err_entries(path) == 1


def test_svlogd_tt_times_are_utc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "current"  # runit's svlogd -tt: "YYYY-MM-DD_HH:MM:SS.xxxxx", UTC (svlogd(8))
    path.write_text("2016-06-15_07:08:28.62971 bird: Mesh_10_0_5_102: Socket error: bind: Address not available\n"
                    "2016-06-15_07:09:27.75314 bird: Graceful restart done\n")
    monkeypatch.setenv("TZ", "America/New_York")  # UTC, whatever this machine's local time
    time.tzset()
    try:
        summary = _summary(path)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert (summary["first_usec"], summary["last_usec"]) == (1465974508629710, 1465974567753140)


OPENWRT = """\
Mon May 26 19:15:39 2025 daemon.warn odhcpd[2950]: No default route present, overriding ra_lifetime to 0!
Mon May 26 19:15:42 2025 daemon.err [3263]: <err> [modem1] port ttyUSB2 timed out 10 consecutive times, marking modem \
as invalid
Mon May 26 19:15:42 2025 daemon.err [3263]: <err> [modem1] port ttyUSB2 timed out 10 consecutive times, marking modem \
as invalid
Mon May 26 19:15:45 2025 daemon.notice [3263]: <msg> [modem1] state changed (unknown -> failed)
"""


def test_openwrt_logread_lines_without_an_identifier_are_entries(tmp_path: Path) -> None:
    path = tmp_path / "logread.txt"  # ModemManager under procd: "daemon.err [3263]: ", no ident (trial 61's 24)
    path.write_text(OPENWRT)
    summary = _summary(path)
    assert summary["entries"] == 4
    assert summary["last_usec"] == _local_usec(2025, 5, 26, 19, 15, 45)
    assert _err_entries(path) == 2  # daemon.err's, not the odhcpd warning they were folded into
    done = run_cli("scan", "--file", str(path), "-o", "json", "-p", "err")
    units = {record["unit"] for record in map(json.loads, done.stdout.splitlines()) if record["type"] == "match"}
    assert units == {"([3263])"}  # named by the PID logread shows


def test_openwrt_logread_pid_without_its_colon_stays_a_continuation(tmp_path: Path) -> None:
    path = tmp_path / "logread.txt"
    path.write_text(OPENWRT.splitlines()[0] + "\nMon May 26 19:15:42 2025 daemon.err [3263] no colon after it\n")
    assert _summary(path)["entries"] == 1
