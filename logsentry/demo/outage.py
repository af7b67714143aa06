"""The bundled journal of the demo: the Cachix outage of 20 December 2020, reconstructed.

From the public post-mortem (https://blog.cachix.org/posts/2020-12-23-post-mortem-recent-downtime/):
at 02:55:07 UTC the backend began to fail every HTTP request with an AutoUpdate worker exception
(three journal lines per request, quoted in the post-mortem); about 24k requests failed; the pager
never rang; the backend was restarted by hand at 09:02:02. Request times, other units' lines and the
normal request log format are made up, deterministically (fixed seed), around those facts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ..sources.journal_files import FieldValue

HOST = "cachix-production"
BOOT_ID = "5c3f0a1e8d2b4f6a9e7c1d3b5a7f9e21"
MACHINE_ID = "c4c8f0e2a61b4d7f9a3e5b1d2c6f8a04"
"""The replayed host's machine id: the demo plays that host's own logsentry (so its restarts are local)."""
UNIT = "cachix-server.service"
SEED = 20201220
REQUESTS_PER_SECOND = 1.09  # ~24k requests in the 6h 6m 55s of the outage


def _usec(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1_000_000)


@dataclass(frozen=True)
class OutageFacts:
    """The times the post-mortem gives, in microseconds since the epoch (UTC)."""

    start_usec: int = _usec("2020-12-20 00:40:00")
    first_error_usec: int = _usec("2020-12-20 02:55:07")
    pager_usec: int = _usec("2020-12-20 02:56:00")
    woke_usec: int = _usec("2020-12-20 09:01:00")
    restart_usec: int = _usec("2020-12-20 09:02:02")
    end_usec: int = _usec("2020-12-20 09:10:00")


FACTS = OutageFacts()

_PATHS = ("/api/v1/cache/nixpkgs", "/api/v1/cache/hercules-ci", "/api/v1/cache/cachix/narinfo",
          "/api/v1/cache/nix-community/narinfo", "/api/v1/cache/iohk/nar", "/api/v1/user")
class _Clock:
    """Monotonic timestamps and entry fields for one boot."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)

    def fields(self, usec: int, unit: str, ident: str, pid: int, message: str, priority: int = 6,
               **extra: FieldValue) -> dict[str, FieldValue]:
        return {
            "__REALTIME_TIMESTAMP": usec,
            "__MONOTONIC_TIMESTAMP": usec - FACTS.start_usec + 86_400_000_000,
            "_BOOT_ID": BOOT_ID,
            "_HOSTNAME": HOST,
            "_MACHINE_ID": MACHINE_ID,
            "_TRANSPORT": "stdout" if unit != "init.scope" else "journal",
            "_SYSTEMD_UNIT": unit,
            "SYSLOG_IDENTIFIER": ident,
            "_PID": pid,
            "PRIORITY": priority,
            "MESSAGE": message,
            **extra,
        }


def _katip(usec: int, level: str, thread: int) -> str:
    stamp = datetime.fromtimestamp(usec / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"[{stamp}][Cachix][{level}][cachix-production-cachix][PID 654][ThreadId {thread}]"


_WHERE = "[cachix-server-0.1.0.0-LHzKyzKAQiLEVcLRmpg6VW:Cachix.Server src/Cachix/Server.hs:108:13]"


def _failure_lines(usec: int, thread: int) -> tuple[str, ...]:
    """The three lines each failing request logged, as quoted in the post-mortem."""
    return (
        "CallStack (from HasCallStack):",
        "  error, called at ./Control/AutoUpdate.hs:139:48 in auto-update-0.1.6-F3d4kPU62BK2oPp4eHKJaA:"
        "Control.AutoUpdate",
        f"{_katip(usec, 'Error', thread)}{_WHERE} Unhandled exception: Control.AutoUpdate.mkAutoUpdate: "
        "worker thread exited with exception: thread blocked indefinitely in an MVar operation",
    )


def outage_entries() -> Iterator[dict[str, FieldValue]]:
    """Every entry of the reconstructed journal, in time order."""
    clock = _Clock()
    rng = clock.rng
    invocation = "b6f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
    pid, thread, usec = 654, 612000, FACTS.start_usec
    extras: list[tuple[int, dict[str, FieldValue]]] = [
        (FACTS.start_usec + 412_000_000, clock.fields(
            FACTS.start_usec + 412_000_000, UNIT, "cachix-server", 654,
            _katip(FACTS.start_usec + 412_000_000, "Info", 612345)
            + " GET /search?q=thread%20blocked%20indefinitely%20in%20an%20MVar%20operation 404",
            _SYSTEMD_INVOCATION_ID=invocation)),
    ]
    for minute in range(0, (FACTS.end_usec - FACTS.start_usec) // 60_000_000, 5):
        at = FACTS.start_usec + minute * 60_000_000 + 17_000_000
        extras.append((at, clock.fields(at, "postgresql.service", "postgres", 702,
                                        "LOG:  checkpoint starting: time")))
        if minute % 15 == 0:
            extras.append((at + 9_000_000, clock.fields(
                at + 9_000_000, "sshd.service", "sshd", 1200 + minute,
                f"Accepted publickey for deploy from 192.0.2.{10 + minute % 200} port {40000 + minute} ssh2")))
    extras.sort(key=lambda item: item[0])
    restarted, first_failure = False, True
    while True:
        usec += max(1, int(rng.expovariate(REQUESTS_PER_SECOND) * 1_000_000))
        while extras and extras[0][0] <= usec:
            yield extras.pop(0)[1]
        if usec >= FACTS.end_usec:
            return
        if not restarted and usec >= FACTS.restart_usec:
            restarted = True
            yield from _restart(clock, FACTS.restart_usec, invocation)
            pid, invocation = 31337, "0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"
            continue
        thread += 1
        path = rng.choice(_PATHS)
        failing = FACTS.first_error_usec <= usec < FACTS.restart_usec
        if failing and first_failure:
            usec, first_failure = FACTS.first_error_usec, False
        if failing:
            for offset, text in enumerate(_failure_lines(usec, thread)):
                yield clock.fields(usec + offset, UNIT, "cachix-server", pid, text,
                                   _SYSTEMD_INVOCATION_ID=invocation)
        else:
            millis = rng.randint(2, 40)
            yield clock.fields(usec, UNIT, "cachix-server", pid,
                               f"{_katip(usec, 'Info', thread)} GET {path} 200 {millis}ms",
                               _SYSTEMD_INVOCATION_ID=invocation)


def _restart(clock: _Clock, at: int, old_invocation: str) -> Iterator[dict[str, FieldValue]]:
    """What systemd logs when the unit is restarted by hand."""
    lines = ("Stopping cachix server...", f"{UNIT}: Deactivated successfully.", "Stopped cachix server.",
             "Started cachix server.")
    for offset, message in enumerate(lines):
        yield clock.fields(at + offset * 150_000, "init.scope", "systemd", 1, message, UNIT=UNIT,
                           INVOCATION_ID=old_invocation)


def requests_failed(entries: list[dict[str, FieldValue]]) -> int:
    """How many requests failed in the reconstructed journal (one "Unhandled exception" line each)."""
    return sum(1 for e in entries if "Unhandled exception" in str(e.get("MESSAGE", "")))
