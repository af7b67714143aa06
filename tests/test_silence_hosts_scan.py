"""A scan of several hosts' journals (a collector's files, copies mailed apart) whose one host's journal ends earlier:
its units were paged silent, each, though the host itself went quiet with them (helper-166's trial, F6). The service
folds such units into their host's silence; a scan waits for the host (SilenceTracker.scan_hold): a unit is silent
when its host logged on without it. Real journal files (systemd-journal-remote)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import entry, json_events, run_cli
from test_screening import write_journal

ALPHA, BETA = "a1" * 16, "b2" * 16
DAY = 26 * 3600


def lines(machine: str, host: str, unit: str, start: float, end: float, offset: float) -> list[dict[str, Any]]:
    return [entry(f"{unit} tick {n}", unit=unit, at=start + n * 20.0 + offset, _MACHINE_ID=machine, _HOSTNAME=host)
            for n in range(int((end - start) // 20))]


def silences(*paths: Path) -> set[tuple[str, str]]:
    done = run_cli("scan", *(arg for path in paths for arg in ("--file", str(path))), "--no-anomalies", "-o", "json")
    assert done.exit_code == 0, done.output
    return {(event["host"], event["unit"]) for event in json_events(done)
            if event["type"] == "incident" and event["rule"] == "unit-went-silent"}


def test_a_host_whose_journal_ends_earlier_is_no_silence_of_each_of_its_units(tmp_path: Path) -> None:
    alpha = write_journal(tmp_path, "alpha", sorted(
        [*lines(ALPHA, "alpha", "api.service", 0, DAY, 0.0), *lines(ALPHA, "alpha", "worker.service", 0, DAY, 0.5)],
        key=lambda e: e["__REALTIME_TIMESTAMP"]))
    # beta logs two hours longer; its api hangs an hour before its end, its worker logs on
    beta = write_journal(tmp_path, "beta", sorted(
        [*lines(BETA, "beta", "api.service", 0, DAY + 3600, 0.2),
         *lines(BETA, "beta", "worker.service", 0, DAY + 7200, 0.7)], key=lambda e: e["__REALTIME_TIMESTAMP"]))
    assert silences(alpha, beta) == {("beta", "api.service")}
    assert silences(alpha) == set() and silences(beta) == {("beta", "api.service")}
