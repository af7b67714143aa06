"""The service path's shortcuts (engine/window.py, engine/failures.py) save exactly what they saved before."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from conftest import entry

from logsentry.actions.alert import MAX_LINE
from logsentry.engine.detector import Detector
from logsentry.engine.failure_model import seen_links
from logsentry.engine.failure_saved import SAVED_SAMPLE_CHARS
from logsentry.engine.failures import FailureGroups
from logsentry.engine.window import MAX_SAMPLE_CHARS, MAX_SAMPLES, _extend, incident_from_json, incident_json, link_json
from logsentry.model import Entry, Hit, Incident, Link, ScreenedRun, Severity, entry_key
from logsentry.pipeline import Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.screened_lines import recent_lines
from logsentry.sources import Selection, open_entries


def asdict_json(incident: Incident) -> dict[str, Any]:
    """The saved form as dataclasses.asdict made it before incident_json was written out."""
    data = asdict(incident)
    data["severity"] = int(incident.severity)
    data["samples"] = list(incident.samples)
    return data


def test_saved_incidents_are_what_asdict_gave_and_read_back() -> None:
    """incident_json writes every field of Incident and Link out by hand: the saved JSON is byte for byte what
    dataclasses.asdict gave, and it reads back to the same incident (a field added to either class and not
    to the writer fails here)."""
    link = Link("kernel-oom-kill", Severity.CRITICAL, 5, 2, "Out of memory: Killed process 42", "c1", fired=False)
    incident = Incident(**{f.name: f"v-{f.name}" for f in fields(Incident) if f.type == "str"},
                        severity=Severity.ERROR, first_usec=1, fired_usec=2, last_usec=3, count=4, threshold=5,
                        within_usec=6, samples=("a", "b"), dropped=7, chain=(link, replace(link, rule_id="x")))
    assert {f.name for f in fields(Incident)} <= set(incident_json(incident))
    assert json.dumps(incident_json(incident)) == json.dumps(asdict_json(incident))
    assert incident_from_json(json.loads(json.dumps(incident_json(incident)))) == incident
    assert json.dumps(link_json(link)) == json.dumps({**asdict(link), "severity": int(link.severity)})


def reference_snapshot(groups: FailureGroups) -> list[dict[str, Any]]:
    """FailureGroups.snapshot as written before it kept what it saved last: every incident written out anew."""
    def saved(incident: Incident) -> dict[str, Any]:
        return asdict_json(replace(incident, samples=tuple(s[:SAVED_SAMPLE_CHARS] for s in incident.samples[:1])))

    return [{"machine": f.machine, "unit": f.unit, "invocation": f.invocation, "settle_usec": f.settle_usec,
             "last_usec": f.last_usec, "members": [saved(m) for m in f.members.values()],
             "open": [list(m) for m in f.open], "given": saved(f.given) if f.given else None,
             "rerun_usec": f.rerun_usec, "seen": [{**asdict(link), "severity": int(link.severity), "template": template}
                      for (_, template), link in seen_links(f).items()]}  # (counting its lines since: tallies)
            for f in groups._failures if f.given is None or groups._composite(f)]


def oom_entries(start_usec: int, invocation: str) -> list[Entry]:
    """One OOM kill of app.service as the journal gives it (the kernel's line, then PID 1's), then its errors."""
    pid1 = {"_PID": "1", "_UID": "0", "_SYSTEMD_UNIT": "init.scope", "UNIT": "app.service",
            "INVOCATION_ID": invocation, "_MACHINE_ID": "m1"}
    lines = [(0, "kernel", 3, "Out of memory: Killed process 4242 (app) total-vm:1234kB, anon-rss:1234kB, "
              "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:20kB oom_score_adj:0", {"_TRANSPORT": "kernel"}),
             (10_000, "app.service", 3, "app.service: A process of this unit has been killed by the OOM killer.",
              pid1),
             (20_000, "app.service", 5, "app.service: Main process exited, code=killed, status=9/KILL", pid1),
             (30_000, "app.service", 3, "app.service: Failed with result 'oom-kill'.", pid1)]
    lines += [(40_000 + 1000 * n, "app.service", 3, f"ERROR: request {n} failed",
               {"_PID": "4300", "_SYSTEMD_UNIT": "app.service", "_SYSTEMD_INVOCATION_ID": invocation})
              for n in range(60)]
    return [Entry(start_usec + at, message, unit, priority, f"c{start_usec + at}", {"_MACHINE_ID": "m1", **fields})
            for at, unit, priority, message, fields in lines]


def test_failure_snapshots_reuse_unchanged_incidents_and_equal_a_fresh_write() -> None:
    """Each snapshot of the failures equals one written from scratch, byte for byte, while an incident that did
    not change since the last snapshot is not written out again (its saved form is the same object)."""
    rules = [rule for rule in load_rules([shipped_rules_dir()]).rules if rule.anomaly is None]
    pipeline = Pipeline(Detector(rules))
    groups = pipeline.failures
    entries = [*oom_entries(10_000_000, "a" * 32), *oom_entries(15_000_000, "b" * 32)]
    reused, snapshots = 0, 0
    last: list[dict[str, Any]] = []
    for item in entries:
        for _event in pipeline.feed(item):
            pass
        expected = reference_snapshot(groups)
        got = groups.snapshot()
        assert json.dumps(got) == json.dumps(expected)
        before = {id(member) for failure in last for member in failure["members"]}
        reused += sum(id(member) in before for failure in got for member in failure["members"])
        snapshots += bool(got)
        last = got
    for _event in pipeline.tick(100_000_000):
        pass
    assert json.dumps(groups.snapshot()) == json.dumps(reference_snapshot(groups))
    assert snapshots > 50 and reused > 50, (snapshots, reused)


def test_recent_lines_of_runs_are_each_units_last_lines(make_journal: Callable[..., Path]) -> None:
    """recent_lines gives, per span of a ScreenedRun the scanner made from a real journal, that unit's last
    lines in journal order, cut to MAX_LINE, as a per-line walk of run.entries() finds them (machines kept
    apart)."""
    units = ["a.service", "b.service", "c.service", "d.service"]
    rows = [entry(f"line {n} of {units[n // 3 % 4]} é" + "x" * (n % 7 * 100), unit=units[n // 3 % 4], at=n * 0.01,
                  _MACHINE_ID=("0" * 31 + str(n % 2))) for n in range(700)]
    detector = Detector(load_rules([shipped_rules_dir()]).rules)
    items = list(open_entries(Selection(), files=[make_journal(rows)], extra_fields=detector.needed_fields,
                              screen=detector.screen()))
    runs = [item for item in items if isinstance(item, ScreenedRun)]
    # (each machine's boot's first entry comes in full: a boot change must reach Python, engine/host_boots.py)
    assert sum(run.count for run in runs) == 700 - 2 and max(len(run.spans) for run in runs) == 8
    assert max(len(one.message) for run in runs for one in run.entries()) > MAX_LINE  # cut as alerts show them
    for per_span in (1, 3, 10, 500):
        for run in runs:
            expected: dict[str, list[tuple[int, str]]] = {}
            for one in run.entries():
                expected.setdefault(entry_key(one), []).append((one.realtime_usec, one.message[:MAX_LINE]))
            got = recent_lines(run, per_span)
            assert dict(zip(run.units, got, strict=True)) == {key: lines[-per_span:]
                                                             for key, lines in expected.items()}


def test_extending_an_incident_is_replace_with_one_more_hit() -> None:
    """window._extend builds the new version field by field, in Incident's order: it must equal
    dataclasses.replace on every field (a field added to Incident, or moved, fails here)."""
    link = Link("kernel-oom-kill", Severity.CRITICAL, 5, 2, "Out of memory: Killed process 42", "c1")
    incident = Incident(**{f.name: f"v-{f.name}" for f in fields(Incident) if f.type == "str"},
                        severity=Severity.ERROR, first_usec=1, fired_usec=2, last_usec=3, count=4, threshold=5,
                        within_usec=6, samples=("a",), dropped=7, chain=(link,))
    for at, samples in ((10, ("a", "b")), (2, ("a", "b")), (10, ("a", "b", "c", "d", "e")),
                        (10, ("a", "b", "c", "d", "e", "f")), (2, ("a", "b", "c", "d", "e", "f"))):
        before = replace(incident, samples=samples[:-1])
        hit = Hit("v-rule_id", Severity.ERROR, Entry(at, samples[-1] + "x" * 2000, "u", 3, "c9", {}), {}, "v-key")
        line = hit.entry.message[:MAX_SAMPLE_CHARS]
        kept = (*before.samples, line) if len(before.samples) < MAX_SAMPLES else (
            (*before.samples[:-1], line) if at >= before.last_usec else before.samples)  # the latest stays last
        expected = replace(before, count=before.count + 1, last_usec=max(before.last_usec, at), samples=kept)
        assert _extend(before, hit) == expected


def test_status_heads_are_the_open_incidents_with_the_same_effect() -> None:
    """Pipeline.open_heads (the service's STATUS) names what open_incidents() gives, in its order, and leaves
    the failures as open_incidents() leaves them: two pipelines fed the same entries, one asked each way after
    every entry, give the same events and the same heads."""
    rules = [rule for rule in load_rules([shipped_rules_dir()]).rules if rule.anomaly is None]
    asked, headed = Pipeline(Detector(rules)), Pipeline(Detector(rules))
    entries = [*oom_entries(10_000_000, "a" * 32), *oom_entries(15_000_000, "b" * 32),
               *oom_entries(80_000_000, "c" * 32)]
    composite = 0
    for item in entries:
        assert [repr(event) for event in asked.feed(item)] == [repr(event) for event in headed.feed(item)]
        expected = [(incident.rule_id, incident.unit, incident.first_usec) for incident in asked.open_incidents()]
        assert headed.open_heads() == expected
        composite += bool(headed.failures.open_heads())
    assert [repr(event) for event in asked.tick(200_000_000)] == [repr(event) for event in headed.tick(200_000_000)]
    assert composite > 50, composite
