"""The hit path's shortcuts leave every result as the full path does: two pipelines fed the same entries, one with a
shortcut off, give the same events and keep the same failures, chains and lead-ins after every entry.

The entries are every shipped signature rule's own matching samples (with their PRIORITY and fields), spread over
three units, runs (invocations) that change, a few client addresses, PID 1's "Scheduled restart job" and journal time
that lets windows fire, go on and end: many failures open on one unit at once, chains that fill up, hits of a new run
while the last run's failure is open, and lines that lead in a failure that begins after them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from logsentry.engine.detector import Detector
from logsentry.engine.failure_evidence import MAX_SEEN, SPAN_USEC
from logsentry.engine.failure_lead import lead_of
from logsentry.engine.failure_likeness import ANOTHER_FAILURE_USEC, LIKE_SHARE, failure_templates, template_likeness
from logsentry.engine.failure_model import began
from logsentry.engine.failure_runs import RESTART_RULE
from logsentry.engine.failures import FailureGroups
from logsentry.model import Entry, Hit
from logsentry.pipeline import Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir

UNITS = ("app.service", "sshd.service", "web.service")
ADDRESSES = ("203.0.113.7", "203.0.113.8", "198.51.100.9", "192.0.2.44")
IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")


def signature_rules() -> list[Any]:
    return [rule for rule in load_rules([shipped_rules_dir()]).rules if rule.anomaly is None and rule.absence is None]


def mixed_entries(seed: int, count: int) -> Iterator[Entry]:
    """`count` entries drawn from the shipped rules' matching samples, with the journal's trusted fields."""
    draw = random.Random(seed)
    samples = draw.sample([(sample.line, sample.priority, dict(sample.fields)) for rule in signature_rules()
                           for sample in rule.samples if sample.match], 8)  # rules that hit often enough to fire
    samples += [("app.service: Scheduled restart job, restart counter is at 3.", 5, {"_PID": "1"}),
                ("ERROR request failed", 3, {})] * 4
    runs = {unit: 0 for unit in UNITS}
    at = 1_767_225_600_000_000
    for index in range(count):
        at += draw.choice((1_000, 50_000, 400_000, 1_000_000, 2_000_000, 20_000_000, 600_000_000)) // 4
        unit = draw.choice(UNITS)
        if draw.random() < 0.03:
            runs[unit] += 1  # the unit was restarted: its next lines are another run's
        invocation = f"{UNITS.index(unit)}{runs[unit] % 3}".rjust(32, "0") if draw.random() < 0.9 else ""
        line, priority, fields = draw.choice(samples)
        line = IPV4.sub(lambda _: draw.choice(ADDRESSES), line)
        fields = {"_MACHINE_ID": "m1", "_SYSTEMD_UNIT": unit, "_PID": str(4000 + runs[unit]), **fields}
        if fields["_PID"] == "1":  # PID 1's line about the unit, in its run
            fields.update(_SYSTEMD_UNIT="init.scope", _UID="0", UNIT=unit, INVOCATION_ID=invocation)
        elif invocation:
            fields["_SYSTEMD_INVOCATION_ID"] = invocation
        yield Entry(at, line, unit, priority if priority is not None else draw.choice((3, 4, 6)), f"c{index}",
                    fields)


def reference_note_evidence(groups: FailureGroups, hit: Hit, joined: bool = False) -> None:
    """FailureGroups.note_evidence as it was before its shortcuts (and _evidence_of with it): every hit picks its
    failure from the unit's open ones afresh (`joined`: Link.joined, as note_evidence takes it)."""
    entry = hit.entry
    failure = None
    same = groups._open_of(entry)
    if same:
        groups._tally(hit, same)  # (each open failure whose chain has its place counts it: Failure.tallies)
        begun = groups.begun_by(entry)
        if begun is not None and begun in same:
            failure = begun
        elif len(same) > 1 and hit.template:
            best, score = None, 0.0
            for each in same:
                likeness = template_likeness(hit.template, failure_templates(each))
                if likeness > score:
                    best, score = each, likeness
            failure = best if best is not None and score >= LIKE_SHARE else None
        elif len(same) > 1:
            named = [each for each in same if (hit.rule_id, "") in each.seen
                     or any(member[0] == hit.rule_id for member in each.members)]
            failure = named[0] if len(named) == 1 else None
        if failure is None:
            cause, at = hit.rule_id in groups._causes, entry.realtime_usec
            failure = next((each for each in same
                            if (at <= each.last_usec + SPAN_USEC or at <= groups._live_last(each) + SPAN_USEC)
                            and not (cause and at - began(each) >= ANOTHER_FAILURE_USEC)), None)
    if failure is None:
        return groups.lead_in(hit)
    if hit.rule_id == RESTART_RULE:
        failure.rerun_usec = max(failure.rerun_usec, entry.realtime_usec)
    seen, line = groups._seen(hit), (entry.realtime_usec, entry.cursor)
    if seen in failure.seen or len(failure.seen) >= MAX_SEEN or (hit.rule_id in groups._generic and any(
            (member.fired_usec, member.cursor) == line for member in failure.members.values())):
        return
    groups.changed = True
    failure.seen[seen] = lead_of(hit, seen, joined=joined).link


def failures_state(groups: FailureGroups) -> str:
    return repr(([(f.machine, f.unit, f.invocation, f.settle_usec, f.last_usec, list(f.members.items()),
                   sorted(f.open), f.given, list(f.seen.items()), f.rerun_usec, list(f.tallies.items()))
                  for f in groups._failures],
                 list(groups._lead_ins._units.items()), groups.changed))


def test_hits_that_say_nothing_new_leave_the_failures_as_the_full_path() -> None:
    """FailureGroups.note_evidence, its shortcut (`_says_nothing_new`: every open failure of the hit's unit and run
    has its place in the chain) on and off (`known_evidence`), against the full path as it was before
    (`reference_note_evidence`), after every entry of 6,000; the shortcut must have been taken, and refused, many
    times, with several failures open on one unit (a shortcut never taken would prove nothing)."""
    rules = signature_rules()
    fast, full, reference = Pipeline(Detector(rules)), Pipeline(Detector(rules)), Pipeline(Detector(rules))
    full.failures.known_evidence = False
    groups = reference.failures
    reference.failures.note_evidence = (  # type: ignore[method-assign]
        lambda hit, joined=False: reference_note_evidence(groups, hit, joined))
    taken = {True: 0, False: 0}
    says = fast.failures._says_nothing_new

    def counted(hit: Hit, same: list[Any]) -> bool:
        result = says(hit, same)
        taken[result] += 1
        return result

    fast.failures._says_nothing_new = counted  # type: ignore[method-assign]
    most = 0  # failures open on one unit at once
    for item in mixed_entries(seed=7, count=6_000):
        events = [repr(event) for event in fast.feed(item)]
        assert events == [repr(event) for event in full.feed(item)] == [repr(event) for event in reference.feed(item)]
        assert failures_state(fast.failures) == failures_state(full.failures) == failures_state(reference.failures)
        most = max([most, *map(len, full.failures._by_unit.values())])
    assert [repr(event) for event in fast.finish()] == [repr(event) for event in full.finish()] \
        == [repr(event) for event in reference.finish()]
    assert taken[True] > 200 and taken[False] > 200, taken
    assert most >= 4, most
