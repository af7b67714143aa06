"""The shipped rules' regexes are compiled when first used by scan, tail and run (rules/pattern.py), and at load by
`rules test` and `config check`; the operator's rules are always compiled at load, with the same errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from conftest import json_events, run_cli

import logsentry.rules.loader as loader
import logsentry.rules.rule as rule_module
from logsentry.config_check import check_site
from logsentry.engine.detector import Detector, match_rule
from logsentry.engine.failure_hits import is_generic
from logsentry.engine.failures import FailureGroups
from logsentry.engine.prefilter import required_literals
from logsentry.model import Entry
from logsentry.rules.check import probe_lines
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.pattern import LateRegexError, LazyPattern
from logsentry.rules.rule import REGEX_FLAGS

BROKEN = ('id = "r"\ntitle = "t"\nseverity = "error"\n[match]\nmessage = \'(BOOM\'\n'
          '[[sample]]\nline = "BOOM"\nmatch = true\n')
BAD_GROUP = ('id = "g"\ntitle = "t"\nseverity = "error"\n[match]\nmessage = \'BOOM (?P<who>\\w+)\'\n'
             '[trigger]\ncount = 2\ngroup_by = "whom"\n')


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The patterns `regex.compile` is asked for from now on, with no rule file parsed yet in this process."""
    monkeypatch.setattr(rule_module, "_PARSED", {})
    asked: list[str] = []
    real = regex.compile

    def counting(pattern: str, flags: int = 0, *args: object, **kwargs: object) -> regex.Pattern[str]:
        asked.append(pattern)
        return real(pattern, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(regex, "compile", counting)
    yield asked


def test_shipped_rules_load_and_start_without_compiling_a_regex(compiles: list[str]) -> None:
    rule_set = load_rules([shipped_rules_dir()], lazy_shipped=True)
    assert len(rule_set.rules) > 300 and not rule_set.errors
    # (but the anomaly rules' ignore: four short ones, compiled with their words (or alone) at load)
    ignores = [rule.anomaly.words_re.ignore.pattern for rule in rule_set.rules if rule.anomaly is not None
               and rule.anomaly.words_re is not None and rule.anomaly.words_re.ignore is not None]
    assert len(ignores) == 4 and compiles == ignores
    compiles.clear()
    # what scan builds from them at the start reads the patterns' text (prefilter, screen, failure tiers), but for
    # the regexes without a literal (error-burst's '^'): they run on every line, is_generic tries them on ""
    detector = Detector(rule_set.rules)
    detector.screen()
    FailureGroups(rule_set.rules)
    without = [rule.message.pattern for rule in rule_set.rules
               if rule.message is not None and required_literals(rule.message.pattern) is None]
    assert compiles == without and len(without) < 5
    hits = detector.detect(Entry(realtime_usec=1, message="write failed: No space left on device", unit="a.service",
                                 priority=3, cursor="c"))
    assert "disk-full" in {hit.rule_id for hit in hits}
    assert 1 < len(compiles) < 20, compiles  # the rules this line's literals picked


def test_a_paste_scan_compiles_only_the_rules_its_lines_pick(compiles: list[str], tmp_path: Path) -> None:
    paste = tmp_path / "paste.log"
    paste.write_text("Dec  7 08:10:12 web01 myapp[2211]: ERROR could not write /var/lib/x: No space left on device\n"
                     "Dec  7 08:10:13 web01 systemd[1]: myapp.service: Failed with result 'exit-code'.\n")
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert '"disk-full"' in result.stdout and '"systemd-unit-failed"' in result.stdout
    shipped = len(list(shipped_rules_dir().rglob("*.toml")))
    assert 0 < len(compiles) < shipped // 10, compiles  # (eager: every one of them)


def test_eager_and_lazy_rules_match_alike() -> None:
    """Every shipped rule, eager and lazy: equal Rules, the same regex (flags, captures), the same answer and
    captures on its samples and ReDoS probes."""
    eager = {rule.id: rule for rule in load_rules([shipped_rules_dir()]).rules}
    lazy = {rule.id: rule for rule in load_rules([shipped_rules_dir()], lazy_shipped=True).rules}
    assert eager == lazy and len(eager) > 300
    patterns = 0
    for rule_id, early in eager.items():
        late = lazy[rule_id]
        for one, other in ((early.message, late.message), (early.ignore, late.ignore)):
            assert (one is None) == (other is None)
            if one is not None and other is not None:
                assert one.is_compiled
                assert (other.compiled.pattern, other.compiled.flags, other.groupindex) == \
                    (one.compiled.pattern, one.compiled.flags, one.groupindex)
                patterns += 1
        assert is_generic(late) == is_generic(early) == (early.message is None or
                                                          early.message.compiled.search("") is not None)
        lines = [(sample.line, sample.priority, dict(sample.fields)) for sample in early.samples]
        lines += [(line, 0, dict(early.fields)) for _, line in list(probe_lines(early))[:8]]
        for line, priority, fields in lines:
            assert match_rule(late, line, priority, fields, 1.0) == match_rule(early, line, priority, fields, 1.0)
    assert patterns > 300


def test_operator_rules_are_still_checked_at_load(tmp_path: Path) -> None:
    """Only the shipped folder is lazy: an operator's bad regex or capture name is the same error as ever."""
    (tmp_path / "r.toml").write_text(BROKEN)
    (tmp_path / "g.toml").write_text(BAD_GROUP)
    eager = load_rules([shipped_rules_dir(), tmp_path])
    lazy = load_rules([shipped_rules_dir(), tmp_path], lazy_shipped=True)
    assert lazy.errors == eager.errors
    assert lazy.errors == (f"{tmp_path / 'g.toml'}: trigger.group_by (line 8): expected the name of a capture in "
                           "match.message (who) (got 'whom')",
                           f"{tmp_path / 'r.toml'}: match.message (line 5): invalid regular expression: missing ) at "
                           "position 5, expected a valid regex (got '(BOOM')")
    assert lazy.unread == {"r", "g"}


@pytest.fixture
def broken_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shipped library holding a rule whose regex does not compile (edited after `rules test` checked it)."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "r.toml").write_text(BROKEN)
    (shipped / "g.toml").write_text(BAD_GROUP)
    monkeypatch.setattr(loader, "shipped_rules_dir", lambda: shipped)
    monkeypatch.setattr("logsentry.config_parse.shipped_rules_dir", lambda: shipped)
    return shipped


def test_rules_test_and_config_check_compile_the_shipped_rules(broken_shipped: Path, tmp_path: Path) -> None:
    errors = ("rules/g.toml: trigger.group_by (line 8): expected the name of a capture in match.message (who) "
              "(got 'whom')",
              "rules/r.toml: match.message (line 5): invalid regular expression: missing ) at position 5, expected a "
              "valid regex (got '(BOOM')")
    result = run_cli("rules", "test")
    assert result.exit_code == 2 and all(error in result.stderr for error in errors), result.stderr
    config = tmp_path / "config.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    assert check_site(config).rule_set.errors == errors
    assert run_cli("config", "check", "-c", str(config)).exit_code == 2
    # scan, tail and run load it lazily: its regex is refused at its first use, naming its file and key
    rule = load_rules([broken_shipped], lazy_shipped=True).by_id()["r"]
    assert check_site(config, lazy_shipped=True).rule_set.errors == ()
    with pytest.raises(LateRegexError, match=r"^rules/r.toml: match.message: invalid regular expression: missing \) "
                       r"at position 5, expected a valid regex \(got '\(BOOM'\)$"):
        match_rule(rule, "BOOM", None, {})
    # the detector (scan, tail, run) quarantines it for good, saying why, and goes on
    paste = tmp_path / "paste.log"
    paste.write_text("Dec  7 08:10:12 web01 myapp[2211]: BOOM here\n")
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    [quarantine] = [event for event in json_events(result) if event["type"] == "quarantine" and event["rule"] == "r"]
    assert (quarantine["rule"], quarantine["reason"]) == ("r", "rules/r.toml: match.message: invalid regular "
                                                          "expression: missing ) at position 5, expected a valid "
                                                          "regex (got '(BOOM')")


def test_a_lazy_pattern_first_used_by_threads_at_once() -> None:
    """The service may match in two threads (a learner beside the read loop): each gets a right answer."""
    pattern = LazyPattern(r"(?P<unit>\w+)\.service: Failed", REGEX_FLAGS)
    start = threading.Barrier(8)
    found: list[str | None] = []

    def use() -> None:
        start.wait()
        match = pattern.search("x\nsshd.service: Failed with result", timeout=1.0)
        found.append(None if match is None else match["unit"])

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == ["sshd"] * 8 and pattern.is_compiled
    assert pattern.compiled.flags & regex.MULTILINE


def test_rules_check_refuses_a_shipped_regex_that_does_not_compile(broken_shipped: Path) -> None:
    """`rules check LINE` tries every rule on the line: a lazy load raised the late error at the line, a traceback
    (and its near-miss and header hints likewise). It compiles them at load, as `rules test` does."""
    for line in ("BOOM here", "Dec  7 08:10:12 web01 myapp[2211]: nothing"):
        result = run_cli("rules", "check", line)
        assert result.exit_code == 2, result.output
        assert "rules/r.toml: match.message (line 5): invalid regular expression: missing ) at position 5" in \
            result.stderr and "no line was checked" in result.stderr, result.stderr


def test_a_shipped_absence_rules_regex_is_compiled_at_load(broken_shipped: Path) -> None:
    """SilenceTracker has no quarantine to tell: a late error there matched nothing, said nowhere (the unit's
    silence never watched). An absence rule's regex is compiled at load, lazy or not."""
    (broken_shipped / "r.toml").unlink()
    (broken_shipped / "g.toml").unlink()
    (broken_shipped / "quiet.toml").write_text(
        'id = "quiet"\ntitle = "t"\nseverity = "warning"\n[match]\nmessage = \'(tick\'\n[absence]\nsilent_for = "1m"\n')
    rule_set = load_rules([broken_shipped], lazy_shipped=True)
    assert rule_set.errors == ("rules/quiet.toml: match.message (line 5): invalid regular expression: missing ) at "
                               "position 5, expected a valid regex (got '(tick')",), rule_set.errors


def test_a_lazy_rules_trigger_names_a_capture_its_regex_has(broken_shipped: Path, tmp_path: Path) -> None:
    """An eager load refuses a group_by (or counter) that names no capture of match.message; a lazy one cannot tell
    until the regex compiles, and then grouped every hit as one (`captures.get(group, "")`), said nowhere. It is
    checked when the regex compiles: the detector quarantines the rule, naming its file and key."""
    rule = load_rules([broken_shipped], lazy_shipped=True).by_id()["g"]
    with pytest.raises(LateRegexError, match=r"^rules/g.toml: trigger.group_by: expected the name of a capture in "
                       r"match.message \(who\) \(got 'whom'\)$"):
        match_rule(rule, "BOOM alice", None, {})
    paste = tmp_path / "paste.log"
    paste.write_text("Dec  7 08:10:12 web01 myapp[2211]: BOOM alice\nDec  7 08:10:13 web01 myapp[2211]: BOOM bob\n")
    events = json_events(run_cli("scan", "--file", str(paste), "-o", "json"))
    assert [(event["rule"], event["reason"]) for event in events
            if event["type"] == "quarantine" and event["rule"] == "g"] == [
        ("g", "rules/g.toml: trigger.group_by: expected the name of a capture in match.message (who) (got 'whom')")]
    assert not [event for event in events if event["type"] in ("match", "incident") and event["rule"] == "g"]
