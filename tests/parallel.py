"""How the suite shares the machine on pytest-xdist workers (pyproject's addopts: `-n 4 --dist loadgroup
--no-loadscope-reorder`: work goes out in the order set here, a group where its first test is).

Most of the suite's 17 minutes in one process were waits (service cadences, sandboxes booting), so workers
overlap them: on CI's 2 cores 4 workers ran it in 11 min 38 s where 3 took 13 min 49 s (stop 34). Three things
keep that fast and free of flakes:

* The longest tests start first (SLOW_FIRST, from CI's `--durations`): one of them started last would run
  alone at the end while the other workers idle. Before them the `alone` tests (below): one of them waits
  for the tests running beside it to end, and a long one would keep every worker waiting.
* A module whose module-scoped fixtures build journals or run a service once for all its tests runs on one
  worker (`xdist_group`, ONE_WORKER): spread over workers, each would build them again. The marks are set before
  xdist's own hook reads them (tryfirst; they were set after it, so no group ever held), and pytest stays below 9
  (pyproject): pytest-xdist 3.8 sets the group on `item._nodeid`, which pytest 9 no longer reads (measured: the 6
  tests of test_alert_words.py ran on 3 workers; on one with pytest 8.4.2 and tryfirst).
* `@pytest.mark.alone` marks a test that holds the machine to a bound (the wall-clock time of CPU work, a
  latency, an alert within seconds of a stop): it runs with no other test of the run beside it, as in one
  process. Every test holds a shared lock from its setup to its teardown (its module's fixtures included); an
  `alone` test takes it exclusively, and a turnstile lets it in before tests that ask later (flock(2) alone
  would let a stream of shared holders starve it).
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SLOW_FIRST = (
    "tests/test_runstep.py::test_entries_in_full_are_counted_the_same",
    "tests/test_runstep.py::test_the_outage_replay",
    "tests/test_silence_systemd.py",
    "tests/test_install.py",
    "tests/test_fuzz.py::test_engine_memory_is_bounded_with_many_keys",
    "tests/test_restart_faults.py::test_kill_9_during_slow_restarts",
    "tests/test_anomaly_held_restart.py::test_a_silence_ended_on_its_own",
    "tests/test_demo.py",
    "tests/test_demo_quote.py",
    "tests/test_flood_card.py::test_the_flood_card_tells_the_floods_counts",
    "tests/test_fanin_memory.py::test_idle_held_scanners_stay_small",
    "tests/test_anomaly_flood.py::test_a_retry_storm_at_info_level_is_caught_within_a_minute",
    "tests/test_host_clock_restart_service.py",
    "tests/test_host_clocks_service.py::test_a_unit_of_a_host_10_min_behind_is_silent_by_its_clock",
    "tests/test_secrets.py::test_failed_deliveries_log_and_store_nothing_of_a_secret",
    "tests/test_levels.py::test_c_and_python_agree_on_generated_lines",
    "tests/test_mask_equivalence.py::test_real_journal_lines",
    "tests/test_mask_equivalence.py::test_c_masking_is_the_reference",
    "tests/test_incident_lines_began.py::test_a_floods_command_shows_the_flood_from_its_first_line",
    "tests/test_anomaly_blips.py::test_a_blip_is_learnt_on_both_paths_alike",
    "tests/test_hostile_inputs.py::test_gzip_bombs",
    "tests/test_service_cadence.py",
    "tests/test_anomaly_blips.py::test_an_hour_long_outage",
    "tests/test_silence_service.py",
    "tests/test_packaging.py",
    "tests/test_follow_sandbox.py",
    "tests/test_scenarios_systemd.py",
    "tests/test_restart_systemd.py",
    "tests/test_baseline_service.py",
)
"""Node id prefixes of the longest tests, longest first (seconds each, in one process or on a worker)."""

ONE_WORKER = ("test_alert_source.py", "test_alert_words.py", "test_screening.py", "test_text_inputs.py")
"""Modules whose module-scoped fixtures are costly (a service run, journals of thousands of entries)."""
GROUPS = {"test_demo.py": "demo", "test_demo_quote.py": "demo",
          "test_report_counts.py::test_the_demo_gives_each_reason_once": "demo"}
"""Modules (or `module::test`) that share a costly session-scoped fixture (conftest's demo_replay): one worker
for them all."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "alone: runs with no other test beside it (it holds the machine to a bound)")


@pytest.hookimpl(tryfirst=True)  # before xdist's, which turns the xdist_group marks into node id suffixes
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:  # an alone test goes first, on its own (its module's group may start late)
        if item.path.name in ONE_WORKER and not item.get_closest_marker("alone"):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
        elif (group := GROUPS.get(item.path.name, GROUPS.get(f"{item.path.name}::{getattr(item, 'originalname', '')}"))
              ) and not item.get_closest_marker("alone"):
            item.add_marker(pytest.mark.xdist_group(group))

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("alone"):
            return -1  # first, before a long test is running to be waited for
        return next((n for n, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Shared lock for every test, exclusive for `alone` ones; nothing without xdist workers.

    Held around the whole protocol (setup, call, teardown), not in a function-scoped fixture: a test's module-
    and session-scoped fixtures (journals built, a sandbox systemd booted, a service run: up to 50 s of CPU) are
    set up before any fixture of its own, so a lock taken there let them run beside an `alone` test (CI: a
    watchdog ping 2.53 s after the one before, the bound 2.5 s, while other workers built their fixtures)."""
    workerinput = getattr(item.config, "workerinput", None)
    if workerinput is None:  # one process (-n 0): nothing runs beside it
        yield
        return
    run_dir = Path(tempfile.gettempdir()) / f"logsentry-tests-{workerinput['testrunuid']}"  # shared by the workers
    run_dir.mkdir(exist_ok=True)
    alone = item.get_closest_marker("alone") is not None
    with open(run_dir / "tests.turnstile", "a") as turnstile, open(run_dir / "tests.lock", "a") as held:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(held, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
