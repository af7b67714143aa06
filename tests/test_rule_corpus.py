"""The shipped rule library against an independent corpus of real-world and benign log lines.

tests/data/real_world.tsv holds lines taken from public bug reports and docs, each with the rule that must
catch it; tests/data/benign.tsv holds lines that only mention failure words (access logs, config dumps, test
output, ...) and must match no rule. Every line goes through the real engine (Detector) as a journal entry
with the fields journald would store, so field and priority constraints count. The corpus never repeats a
rule file's own [[sample]] lines, so it measures recall and precision on lines the rules were not written
against.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import Rule
from logsentry.sources.selection import subject_unit

DATA = Path(__file__).parent / "data"
REAL_WORLD = DATA / "real_world.tsv"
BENIGN = DATA / "benign.tsv"
MIN_REAL_WORLD = 80
MIN_BENIGN = 120


@dataclass(frozen=True)
class CorpusLine:
    path: Path
    lineno: int
    expected: str
    fields: dict[str, str]

    @property
    def message(self) -> str:
        return self.fields["MESSAGE"]

    def label(self) -> str:
        first = self.message.split("\n", 1)[0]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", first)[:48].strip("-")
        return f"{self.path.stem}:{self.lineno}:{self.expected or 'benign'}:{slug}"

    def entry(self) -> Entry:
        priority = self.fields.get("PRIORITY")
        return Entry(realtime_usec=0, message=self.message, unit=subject_unit(self.fields.get),
                     priority=int(priority) if priority else None, cursor="", fields=dict(self.fields))


def read_corpus(path: Path) -> list[CorpusLine]:
    """`expected_rule_id<TAB>{json fields}` per line; '#' comments and blank lines are skipped."""
    lines = []
    for lineno, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip() or text.startswith("#"):
            continue
        expected, sep, payload = text.partition("\t")
        assert sep, f"{path.name}:{lineno}: expected 'rule_id<TAB>json' (got {text[:60]!r})"
        fields = json.loads(payload)
        assert isinstance(fields, dict) and isinstance(fields.get("MESSAGE"), str), f"{path.name}:{lineno}: no MESSAGE"
        assert all(isinstance(value, str) for value in fields.values()), \
            f"{path.name}:{lineno}: journal field values are strings"
        lines.append(CorpusLine(path, lineno, expected.strip(), fields))
    return lines


@cache
def shipped_rules() -> tuple[Rule, ...]:
    ruleset = load_rules([shipped_rules_dir()])
    assert not ruleset.errors, ruleset.errors
    return ruleset.rules


def matching_rules(line: CorpusLine) -> list[str]:
    detector = Detector(shipped_rules())
    hits = detector.detect(line.entry())
    assert not detector.take_quarantines(), f"a rule timed out on {line.label()}"
    return sorted(hit.rule_id for hit in hits)


REAL = read_corpus(REAL_WORLD)
BENIGN_LINES = read_corpus(BENIGN)


@pytest.mark.parametrize("line", REAL, ids=CorpusLine.label)
def test_real_world_line_is_caught_by_its_rule(line: CorpusLine, record_property: pytest.RecordProperty):
    matched = matching_rules(line)
    also = [rule_id for rule_id in matched if rule_id != line.expected]
    record_property("also_matched", ",".join(also))
    if also:
        print(f"{line.label()}: also matched by {', '.join(also)}")
    assert line.expected in matched, (
        f"{line.path.name}:{line.lineno}: {line.expected} missed {line.message!r} "
        f"(fields {line.fields}); matched instead: {matched or 'nothing'}")


@pytest.mark.parametrize("line", BENIGN_LINES, ids=CorpusLine.label)
def test_benign_line_matches_no_rule(line: CorpusLine):
    matched = matching_rules(line)
    assert not matched, f"{line.path.name}:{line.lineno}: {matched} matched benign {line.message!r}"


def test_corpus_is_independent_of_the_rule_samples():
    samples = {sample.line: rule.id for rule in shipped_rules() for sample in rule.samples}
    overlap = [f"{line.path.name}:{line.lineno} repeats a sample of {samples[line.message]}"
               for line in REAL + BENIGN_LINES if line.message in samples]
    assert not overlap, overlap


def test_corpus_is_large_and_well_formed():
    assert len(REAL) >= MIN_REAL_WORLD
    assert len(BENIGN_LINES) >= MIN_BENIGN
    known = {rule.id for rule in shipped_rules()}
    assert not [line.label() for line in REAL if line.expected not in known]
    assert not [line.label() for line in BENIGN_LINES if line.expected]
    messages = [line.message for line in REAL + BENIGN_LINES]
    assert len(messages) == len(set(messages)), "a line appears twice in the corpus"


def test_every_ecosystem_has_real_world_lines():
    by_id = {rule.id: rule for rule in shipped_rules()}
    covered = {by_id[line.expected].path.parent.name for line in REAL if line.expected in by_id}
    # absence rules ("a unit went silent") and anomaly rules (a unit against its past) have no line to match,
    # so they cannot be covered here (tests/test_anomaly.py holds the anomaly rules)
    ecosystems = {rule.path.parent.name for rule in shipped_rules() if rule.absence is None and rule.anomaly is None}
    assert ecosystems - covered == set()
