"""A boot logged under a placeholder host name is the host's (sources/text_hosts.py): OVH's new boot logs as
`hostname` until the real name is set (trial 70's 29), and keyed apart that boot was another machine's, so an unclean
stop before it was never claimed. A collector's syslog of two real hosts, or of a device that really logs as
`localhost`, stays as many hosts. Real files read by `scan --file`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import json_events, run_cli

START = datetime(2026, 5, 26, tzinfo=UTC)
UP, DOWN = 3 * 3600, 66
STARTED = 'rsyslogd: [origin software="rsyslogd" swVersion="8.4.2" x-pid="3831" x-info="http://www.rsyslog.com"] start'
BANNER = "kernel: Linux version 3.14.32-xxxx-grs-ipv6-64 (kernel@kernel.ovh.net) (gcc version 4.7.2) #1 SMP"
STOPPED = 'rsyslogd: [origin software="rsyslogd" swVersion="8.4.2" x-pid="512" x-info="http://www.rsyslog.com"] ' \
          'exiting on signal 15.'


def at(seconds: float, host: str, text: str) -> tuple[float, str]:
    return seconds, f"{(START + timedelta(seconds=seconds)).isoformat(timespec='microseconds')} {host} {text}"


def steady(start: float, end: float, host: str) -> list[tuple[float, str]]:
    return [at(start + n * 20, host, f"cron[{100 + n}]: (root) CMD (run-parts /etc/cron.hourly) {n}")
            for n in range(int((end - start) // 20))]


def boot(back: float, host: str) -> list[tuple[float, str]]:
    return [at(back, host, STARTED), at(back, host, BANNER), *steady(back + 5, back + 600, host)]


def incidents(tmp_path: Path, lines: list[tuple[float, str]]) -> list[tuple[str, str]]:
    path = tmp_path / "syslog"
    path.write_text("".join(f"{text}\n" for _, text in sorted(lines, key=lambda line: line[0])))
    done = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert done.exit_code in (0, 3), done.output
    found: list[dict[str, Any]] = [event for event in json_events(done) if event["type"] == "incident"]
    return [(incident["rule"], incident["host"]) for incident in found]


def test_a_boot_under_a_placeholder_name_is_the_hosts(tmp_path: Path) -> None:
    back = UP + DOWN
    for placeholder in ("hostname", "localhost", "(none)"):
        crashed = [*steady(0, UP, "ns331245"), *boot(back, placeholder)]
        assert incidents(tmp_path, crashed) == [("host-rebooted-uncleanly", "ns331245")], placeholder
        clean = [*crashed, at(UP + 1, "ns331245", STOPPED)]
        assert incidents(tmp_path, clean) == [], placeholder
        # renamed within the boot, then rebooted again under the placeholder: the host's second crash
        renamed = [*crashed, *steady(back + 601, back + 1200, "ns331245"), *boot(back + 2000, placeholder)]
        assert incidents(tmp_path, renamed) == [("host-rebooted-uncleanly", "ns331245")] * 2, placeholder


def test_a_real_second_host_stays_apart(tmp_path: Path) -> None:
    """Two real hosts of a collector's file: one's boot is no other's. A device that logs as `localhost` all along
    (not from a boot's start), or boots beside the real host still logging, is a host of its own; so is a distribution's
    default name (`raspberrypi`) a host really keeps."""
    back = UP + DOWN
    assert incidents(tmp_path, [*steady(0, UP, "web01"), *boot(back, "web02")]) == []
    device = [*steady(0, UP, "web01"), *steady(7, UP, "localhost"), *boot(back, "localhost")]
    assert ("host-rebooted-uncleanly", "web01") not in incidents(tmp_path, device)
    beside = [*steady(0, back + 600, "web01"), *boot(back + 3, "localhost")]  # (web01 logged 9 s before)
    assert incidents(tmp_path, beside) == []
    assert incidents(tmp_path, [*steady(0, UP, "web01"), *boot(back, "raspberrypi")]) == []
    several = [*steady(0, UP, "web01"), *steady(3, UP, "web02"), *boot(back, "hostname")]
    assert incidents(tmp_path, several) == []
