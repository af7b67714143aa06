"""The anomaly step over whole runs (engine/runstep.py, _runstep.c) against the per-entry path it replaces:
the same events and the same baselines on real journal files (the 2020 outage replay, a rate spike, an
error-share jump, a new error template, a quiet unit's last lines), with most entries learnt counted."""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import entry
from test_anomaly import HOUR, by_time, steady

from logsentry.demo.outage import outage_entries
from logsentry.engine import _runstep
from logsentry.engine.anomaly import AnomalyDetector
from logsentry.engine.baseline import Baselines
from logsentry.engine.detector import Detector
from logsentry.engine.policy import Policy
from logsentry.engine.runstep import RunStep
from logsentry.engine.templates import TemplateMiner
from logsentry.engine.templates.tokens import masked_key
from logsentry.model import Entry, Hit
from logsentry.pipeline import Event, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries

ROOT = Path(__file__).resolve().parent.parent
ANOMALY_RULES = [rule for rule in load_rules([ROOT / "rules" / "anomaly"]).rules]


class Counting(AnomalyDetector):
    """Counts the entries observed one by one (the rest were learnt counted)."""

    singles = 0

    def observe(self, entry: Entry, template: Any = None, learn: bool = True) -> list[Hit]:
        self.singles += 1
        return super().observe(entry, template, learn)


def replay(journal: Path, fast: bool, rules: Iterable[Any] = ANOMALY_RULES, templates_per_unit: int = 1000,
           screened: bool = True) -> tuple[list[Event], Pipeline]:
    """The pipeline over a journal through the scanner (`screened` False: every entry in full, as a source
    without a screen gives them); `templates_per_unit` bounds the miner and the baselines."""
    detector = Detector(list(rules))
    anomaly = Counting(detector.rules.values(), miner=TemplateMiner(max_templates_per_unit=templates_per_unit),
                       baselines=Baselines(max_templates_per_unit=templates_per_unit))
    pipeline = Pipeline(detector, Policy(), anomaly=anomaly)
    if not fast:
        pipeline.runstep = None
    events = list(pipeline.run(open_entries(Selection(), files=[journal], extra_fields=detector.needed_fields,
                                            screen=detector.screen() if screened else None)))
    if pipeline.runstep is not None:  # the counts still waiting (nothing reads them in a scan) are learnt
        for single in pipeline.runstep.flush_all():
            assert not anomaly.observe(single.entry)
    return events, pipeline


def baselines_of(pipeline: Pipeline) -> dict[str, Any]:
    assert pipeline.anomaly is not None
    baselines = pipeline.anomaly.baselines
    return {
        "units": {unit: (s.first_usec, s.last_usec, s.entries, s.errors, s.error_minutes.peak, s.error_minutes.days)
                  for unit, s in baselines.units.items()},
        "templates": {(unit, tid): (t.text, t.count, t.first_usec, t.last_usec, t.level, t.example,
                                    t.unit_age_usec, t.unit_entries, t.minutes.peak, t.minutes.days)
                      for unit, tid, t in baselines.rows()},
    }


def assert_same(journal: Path, rules: Iterable[Any] = ANOMALY_RULES, one_by_one: float = 0.2,
                templates_per_unit: int = 1000, screened: bool = True) -> tuple[list[Event], Pipeline]:
    """Both paths on one journal: the same events and baselines, and at most `one_by_one` of the entries
    observed one by one on the fast path."""
    rules = list(rules)
    slow_events, slow = replay(journal, False, rules, templates_per_unit, screened)
    fast_events, fast = replay(journal, True, rules, templates_per_unit, screened)
    assert fast_events == slow_events
    assert baselines_of(fast) == baselines_of(slow)
    assert isinstance(fast.anomaly, Counting) and isinstance(slow.anomaly, Counting)
    entries = slow.progress.entries
    assert slow.anomaly.singles >= entries * 0.9  # the per-entry path: (almost) every entry one by one
    assert fast.anomaly.singles < slow.anomaly.singles
    assert fast.anomaly.singles <= entries * one_by_one, (fast.anomaly.singles, entries)
    return fast_events, fast


def incidents(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.incident.rule_id, e.incident.unit) for e in events if type(e).__name__ == "IncidentEvent"]


def test_the_outage_replay_gives_the_same_events_counted(make_journal):
    """The 2020 outage with the anomaly rules only: one error per request for hours, caught the same way.
    Most of this journal is the outage, whose unit is observed one by one while it is anomalous."""
    events, _ = assert_same(make_journal(list(outage_entries())), one_by_one=1.0)
    assert ("new-error-template", "cachix-server.service") in incidents(events)


def outage_head(hours: float = 4) -> list[dict[str, Any]]:
    """The outage replay's first `hours` (its 2 h before the outage and the outage's start, a third of its
    81k entries): the equivalence tests with every rule read these, the anomaly rules' one all of it."""
    entries = list(outage_entries())
    end = int(str(entries[0]["__REALTIME_TIMESTAMP"])) + int(hours * HOUR * 1_000_000)
    return [e for e in entries if int(str(e["__REALTIME_TIMESTAMP"])) < end]


def test_the_outage_replay_with_every_rule(make_journal):
    """Signature rules too (candidates come in full and learn their unit's counted entries first)."""
    events, _ = assert_same(make_journal(outage_head()), load_rules([shipped_rules_dir()]).rules, one_by_one=1.0)
    assert incidents(events)


def spikes_shares_and_new_templates() -> list[dict[str, Any]]:
    normal = steady("api.service", 0, 8 * HOUR, 2)
    other = steady("web.service", 0, 8 * HOUR, 1, "served /static/{n}.css in {ms}ms", seed=3)
    warnings = steady("zk.service", 0, 8 * HOUR, 900, "Connection to 10.0.{n}.7:2888 lost, retrying", priority=4,
                      seed=2)
    sessions = steady("zk.service", 0, 8 * HOUR, 10, "Session {n} established", seed=4)
    storm = [entry(f"Connection to 10.0.{n}.7:2888 lost, retrying", unit="zk.service", at=8 * HOUR + n,
                   priority=4) for n in range(120)]
    share = [entry(f"request {n} failed: upstream reset", unit="api.service", at=8 * HOUR + 30 + n / 2,
                   priority=3) for n in range(40)]
    late = steady("api.service", 8 * HOUR + 60, 9 * HOUR, 2, seed=5)
    return by_time(normal, other, warnings, sessions, storm, share, late)


def test_spikes_shares_and_new_templates_give_the_same_events(make_journal):
    events, _ = assert_same(make_journal(spikes_shares_and_new_templates()))
    assert ("template-rate-spike", "zk.service") in incidents(events)
    assert any(unit == "api.service" for _, unit in incidents(events))


def test_a_new_units_first_hours_are_counted(make_journal):
    """A new unit (a fresh install, a new host) busy from its first line: 200 start-up lines a second in its
    first minute, when their template has no busiest minute yet. No rate-spike can fire before the unit's 6 h
    warm-up, so they are counted (they were observed one by one past min_count: 18,738 of 39,628 entries);
    past the warm-up a storm of another template still fires, as observed singly."""
    start = [entry(f"loaded module {n} in 5ms", unit="busy.service", at=n / 200) for n in range(12_000)]
    busy = steady("busy.service", 60, 7 * HOUR, 1, "handled job {n} in {ms}ms")
    storm = [entry(f"handled job {n} in 5ms", unit="busy.service", at=6.5 * HOUR + n / 40) for n in range(2400)]
    events, _ = assert_same(make_journal(by_time(start, busy, storm)), one_by_one=0.2)
    assert ("template-rate-spike", "busy.service") in incidents(events)


@pytest.mark.parametrize("rules", ["anomaly", "all"])
def test_entries_in_full_are_counted_the_same(make_journal, rules: str):
    """Entries that come in full (every entry of a source without a screen, as the service-path bench reads
    them; candidates of the signature rules in a scan) are counted as a run's are (`_runstep.one`), with
    the same events and baselines as observing each."""
    chosen = ANOMALY_RULES if rules == "anomaly" else load_rules([shipped_rules_dir()]).rules
    journal = make_journal(spikes_shares_and_new_templates())
    events, _ = assert_same(journal, chosen, screened=False)
    assert ("template-rate-spike", "zk.service") in incidents(events)
    if rules == "all":  # the outage: signature incidents and anomaly hits on the same lines
        outage, _ = assert_same(make_journal(outage_head()), chosen, one_by_one=1.0, screened=False)
        assert incidents(outage)


def test_templates_evicted_at_the_bounds_give_the_same_events(make_journal):
    """Eight kinds of line in a unit whose miner and baselines keep four templates: clusters die and stats
    are replaced while lines of them are being counted (per unit, recency is kept exactly)."""
    kinds = [steady("churn.service", 0, 8 * HOUR, 20, f"kind{k} step {{n}} took {{ms}}ms", seed=k) for k in range(8)]
    errors = [entry(f"kind{n % 3} failed: code {n}", unit="churn.service", at=7 * HOUR + n * 7, priority=3)
              for n in range(60)]
    assert_same(make_journal(by_time(*kinds, errors)), one_by_one=0.5, templates_per_unit=4)


def test_a_unit_that_goes_quiet_has_its_last_lines_learnt(make_journal):
    """A unit's counted entries do not wait for its next line forever: after some runs they are learnt."""
    quiet = steady("cron.service", 0, HOUR, 5, "job {n} done in {ms}ms")
    busy = [entry(f"tick {n} error" if n % 7 == 0 else f"tick {n}", unit="busy.service", at=HOUR + n / 10,
                  priority=3 if n % 7 == 0 else 6) for n in range(20_000)]
    journal = make_journal(by_time(quiet, busy))
    detector = Detector(load_rules([shipped_rules_dir()]).rules)  # error lines come in full: many short runs
    pipeline = Pipeline(detector, Policy())
    assert pipeline.runstep is not None
    for _ in pipeline.run(open_entries(Selection(), files=[journal], extra_fields=detector.needed_fields,
                                       screen=detector.screen())):
        pass
    assert pipeline.anomaly is not None
    cron = next(s for unit, s in pipeline.anomaly.baselines.units.items() if unit.endswith("cron.service"))
    assert cron.entries == len(quiet)


@pytest.mark.parametrize("bad", ["tables", "modes", "arrays"])
def test_the_c_step_refuses_arrays_that_do_not_fit(bad: str):
    times = (1).to_bytes(8, "little", signed=True)
    arrays = (times, b"\x06", b"\xff", b"\x00\x00", (3).to_bytes(8, "little"), b"abc")
    tables: list[dict[str, int]] = [{}]
    modes, uids = b"\x00", (0).to_bytes(4, "little")
    if bad == "tables":
        tables = []
    elif bad == "modes":
        modes = b""
    else:
        arrays = (times, b"\x06", b"\xff", b"\x00\x00", (99).to_bytes(8, "little"), b"abc")
    with pytest.raises(ValueError, match=r"^step\(\): "):
        _runstep.step(_runstep.new(), 1, arrays, 0, 1, tables, uids, modes, array("i"), 3, 6_000_000,
                      60_000_000, 2048, 128, 256, masked_key, 60_000_000)


MESSAGES = [b"job 17 done in 5ms", b"job 18 done in 12ms\nand a second line", "caf\u00e9 ferm\u00e9 \u0661".encode(),
            b"bad \xff byte 7", b'{"level":"info","msg":"saved 3 rows"}', b'{"level":"info","msg":"cut here"}',
            b"a line longer than the cut: 1 2 3 4 5 6 7 8 9", b"", b"x" * 40 + "\u00e9".encode(), b"unknown 1"]


@pytest.mark.parametrize("max_tokens", [128, 3])
def test_the_c_step_takes_the_keys_the_callable_gives(max_tokens: int):
    """step masks in C through _mask's capsule when handed _mask.masked_key (ASCII lines from the run's bytes):
    the same slots as through any other callable, for lines of ASCII, not, not UTF-8, JSON and cut lines."""
    max_chars = 36  # cuts the second JSON line (no more '}' at its end) and the long lines
    arrays = (array("q", range(1, len(MESSAGES) + 1)).tobytes(), bytes([6] * len(MESSAGES)),
              bytes([3] * len(MESSAGES)), bytes(2 * len(MESSAGES)),
              array("Q", itertools.accumulate(len(m) for m in MESSAGES)).tobytes(), b"".join(MESSAGES))
    table: dict[str, int] = {}
    for slot, message in enumerate(MESSAGES[:-1]):
        table.setdefault(masked_key(message.decode("utf-8", "replace").split("\n")[0][:max_chars], max_tokens), slot)
    slots = {}
    for how in (masked_key, lambda line, n: masked_key(line, n)):
        items = _runstep.step(_runstep.new(), 1, arrays, 0, len(MESSAGES), [table], (0).to_bytes(4, "little"),
                              b"\x00", array("i", [1 << 30] * len(MESSAGES)), 3, 6_000_000, 60_000_000, max_chars,
                              max_tokens, 256, how, 60_000_000)
        slots[how is masked_key] = [item[2] for item in items]
    assert slots[True] == slots[False]
    assert len(set(slots[True][:-1])) > 5 and slots[True][-1] == -1


def test_runstep_needs_rules_it_can_count():
    """A rule whose lines below error level could each fire (a level-less error-share) keeps every entry
    one by one: the step marks every unit exact."""
    from dataclasses import replace

    share = next(rule for rule in ANOMALY_RULES if rule.id == "error-share-jump")
    assert share.anomaly is not None
    loose = replace(share, anomaly=replace(share.anomaly, level=None))
    assert RunStep(AnomalyDetector([loose])).supported is False
    assert RunStep(AnomalyDetector(ANOMALY_RULES)).supported is True
