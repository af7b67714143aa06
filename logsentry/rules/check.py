"""A rule's own tests: its samples must (not) match with the stated captures, its scenarios must fire
exactly when stated. Used by `logsentry rules test` and by the test suite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..engine.detector import RuleTimeout, match_rule
from ..engine.window import BurstTracker
from ..model import Entry, Hit
from .rule import Rule
from .samples import Sample, Scenario

SAMPLE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class CheckResult:
    rule_id: str
    what: str
    ok: bool
    detail: str


def check_sample(rule: Rule, index: int, sample: Sample) -> CheckResult:
    what = f"sample #{index + 1}"
    try:
        captures = match_rule(rule, sample.line, sample.priority, sample.fields, SAMPLE_TIMEOUT_S)
    except RuleTimeout as error:
        return CheckResult(rule.id, what, False, f"{error}: {sample.line!r}")
    if captures is None:
        if sample.match:
            return CheckResult(rule.id, what, False, f"expected a match, got none: {sample.line!r}")
        return CheckResult(rule.id, what, True, "no match, as expected")
    if not sample.match:
        return CheckResult(rule.id, what, False, f"expected no match, but it matched: {sample.line!r}")
    wrong = {name: (value, captures.get(name)) for name, value in sample.captures.items()
             if captures.get(name) != value}
    if wrong:
        detail = "; ".join(f"capture {name}: expected {want!r} (got {got!r})" for name, (want, got) in wrong.items())
        return CheckResult(rule.id, what, False, f"{detail} in {sample.line!r}")
    return CheckResult(rule.id, what, True, f"matched with {captures}")


def fire_times(rule: Rule, scenario: Scenario) -> list[int]:
    """Offsets at which the rule's trigger fires for the scenario's hits, through the real BurstTracker."""
    tracker = BurstTracker([rule])
    fired = []
    for index, offset in enumerate(scenario.hits):
        key = scenario.keys[index] if scenario.keys else ""
        entry = Entry(realtime_usec=offset, message="", unit="scenario.service", priority=None, cursor=str(index))
        _, incident = tracker.add(Hit(rule.id, rule.severity, entry, {}, key))
        if incident is not None:
            fired.append(offset)
    return fired


def check_scenario(rule: Rule, index: int, scenario: Scenario) -> CheckResult:
    what = f"scenario #{index + 1}" + ("" if scenario.name == f"scenario {index + 1}" else f" {scenario.name}")
    fired = fire_times(rule, scenario)
    if fired != list(scenario.fires):
        return CheckResult(rule.id, what, False,
                           f"expected firing at {_offsets(scenario.fires)} (got {_offsets(fired)})")
    return CheckResult(rule.id, what, True, f"fired at {_offsets(fired)}")


def _offsets(values: list[int] | tuple[int, ...]) -> str:
    return "[" + ", ".join(f"{v / 1_000_000:g}s" for v in values) + "]"


_GREEDY_DOT = re.compile(r"(?<!\\)\.[*+](?![?+])")
PROBE_TIMEOUT_S = 0.25


def lint_greedy_capture(rule: Rule) -> CheckResult | None:
    """A greedy `.*`/`.+` before a capture backtracks over the whole line and captures the wrong text."""
    if rule.message is None:
        return None
    pattern = rule.message.pattern
    first_capture = pattern.find("(?P<")
    if first_capture < 0 or not _GREEDY_DOT.search(pattern[:first_capture]):
        return None
    return CheckResult(rule.id, "lint", False, "greedy .* or .+ before a capture: use a lazy or narrower class")


def probe_lines(rule: Rule) -> Iterator[tuple[str, str]]:
    """Long pathological lines: repeated characters and repeated pieces of the rule's own samples (made one
    at a time: a rule's samples repeated to 64 KiB each would add up)."""
    yield from [("64 KiB of 'a'", "a" * 65536), ("64 KiB of 'a' then '!'", "a" * 65535 + "!"),
                ("64 KiB of spaces", " " * 65536), ("64 KiB of digits", "9" * 65536),
                ("64 KiB of ':'-separated words", "ab: " * 16384), ("64 KiB of '(['", "([" * 32768)]
    for index, sample in enumerate(rule.samples):
        if sample.line:
            times = 65536 // (len(sample.line) + 1) + 1
            yield f"sample #{index + 1} repeated to 64 KiB", (sample.line + " ") * times
            yield f"sample #{index + 1} without its last character, repeated", (sample.line[:-1] + " ") * times


def probe_redos(rule: Rule) -> CheckResult | None:
    """Run the rule on long pathological lines under the regex timeout, as the engine would."""
    for name, line in probe_lines(rule):
        try:
            match_rule(rule, line, 0, dict(rule.fields), PROBE_TIMEOUT_S)
        except RuleTimeout:
            return CheckResult(rule.id, "ReDoS probe", False,
                               f"regex ran longer than {PROBE_TIMEOUT_S * 1000:.0f} ms on {name}")
    return None


def check_rule(rule: Rule, probe: bool = True) -> list[CheckResult]:
    results = [check_sample(rule, i, sample) for i, sample in enumerate(rule.samples)]
    results += [check_scenario(rule, i, scenario) for i, scenario in enumerate(rule.scenarios)]
    lints = [lint_greedy_capture(rule), probe_redos(rule) if probe else None]
    results += [lint for lint in lints if lint is not None]
    if rule.anomaly is not None:
        # Anomaly rules match no line on its own (they compare a unit with its past, tests/test_anomaly.py);
        # their scenarios test the trigger.
        if not rule.scenarios:
            results.append(CheckResult(rule.id, "scenarios", False, "an anomaly rule needs a [[scenario]]"))
        return results
    if not any(s.match for s in rule.samples):
        results.append(CheckResult(rule.id, "samples", False, "no sample that must match"))
    if rule.message is not None and not any(not s.match for s in rule.samples):
        results.append(CheckResult(rule.id, "samples", False, "no sample that must not match"))
    return results
