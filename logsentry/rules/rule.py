"""One rule file: parse, validate and compile it.

Every problem is collected (not just the first) and worded `<file>: <key>: <what>, expected X (got Y)`,
so a rule author fixes a file in one round (values.py reads each value so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from ..model import SEVERITY_NAMES, Severity
from ..tomlfile import TomlFileError, did_you_mean, loads_toml, read_bytes, unknown_key
from .anomaly import AnomalySpec, parse_anomaly
from .pattern import LazyPattern, RegexProblem, compile_regex, too_long
from .samples import Sample, Scenario, parse_samples, parse_scenarios
from .values import (
    Problems,
    describe,
    read_duration,
    read_priority,
    read_string,
    read_string_table,
    read_table,
    unknown_keys,
)

ACTIONS = ("alert", "restart")
REGEX_FLAGS = regex.MULTILINE | regex.VERSION0
DEFAULT_WITHIN = "60s"

_TOP_KEYS = {"id", "title", "description", "severity", "action", "resolve", "match", "trigger", "absence", "anomaly",
             "sample", "scenario", "references"}
RESOLVES = ("quiet", "unit-logs-again")
"""How the service resolves a rule's alert: when no new hit came within its window ("quiet"), or then only once its
unit has logged a line since its last hit ("unit-logs-again": the default for action = "restart"; service_held.py)."""
_MATCH_KEYS = {"message", "ignore", "priority", "fields", "lines"}
_TRIGGER_KEYS = {"count", "within", "group_by", "keep_firing_for", "counter"}
_ABSENCE_KEYS = {"silent_for", "min_entries", "max_variation", "margin", "false_alarms_per_day", "learn_for"}


class RuleError(ValueError):
    """A rule file that cannot be used; `problems` holds every message, each naming file and key."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Trigger:
    """Fire when `count` hits for one unit (and group key) arrive within `within_usec` of event time; the incident
    lasts while hits come within `hold_usec` of each other."""

    count: int = 1
    within_usec: int = 60_000_000
    group_by: str | None = None
    keep_firing_for_usec: int = 0
    """How long an incident keeps firing after a window passed without a hit (µs of journal time; Prometheus's
    `keep_firing_for`): a rule whose bar is a minute's count flaps with a failure that pauses, and each new
    incident would be a new page for one failure (loghub's ZooKeeper log: one quorum failure, 6 pages in 20 min)."""
    counter: str | None = None
    """A capture of match.message holding the program's own count of what the rule counts (systemd's "restart
    counter is at N"): a hit whose value is at least `counter_at_least` fires at once, whatever the window holds
    (a paste of a loop holds one such line; trial 62's "restart counter is at 18461" stayed below its trigger)."""
    counter_at_least: int = 0

    @property
    def hold_usec(self) -> int:
        """An open incident ends when this much journal time passes without a hit."""
        return self.within_usec + self.keep_firing_for_usec


@dataclass(frozen=True)
class Absence:
    """Fire when a unit whose rhythm is regular (engine/absence.py) logs no matching entry for longer than its
    learnt threshold: never sooner than `silent_for_usec`, only after `min_entries` entries were learnt, only when
    the variation of its gaps is at most `max_variation`; the threshold is at least `margin` times the gap at
    the 99.9th percentile and long enough that a normal gap that long comes `false_alarms_per_day` times a day."""

    silent_for_usec: int
    min_entries: int = 10
    max_variation: float = 1.25
    margin: float = 3.0
    false_alarms_per_day: float = 1e-4
    learn_for_usec: int = 86_400_000_000
    """Journal time a unit's learnt gaps must cover before its rhythm is trusted (engine/rhythm.py): a day."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    severity: Severity
    action: str
    message: LazyPattern | None
    ignore: LazyPattern | None
    max_priority: int | None
    fields: Mapping[str, str]
    trigger: Trigger
    samples: tuple[Sample, ...]
    scenarios: tuple[Scenario, ...]
    path: Path
    references: tuple[str, ...] = ()
    first_line_only: bool = False
    absence: Absence | None = None
    anomaly: AnomalySpec | None = None
    """Set for anomaly rules (engine/anomaly.py): they test learned baselines instead of a regex."""
    resolve: str = "quiet"
    """One of RESOLVES."""


def _compile(pattern: str | None, key: str, problems: Problems, lazy: bool) -> LazyPattern | None:
    """`lazy`: leave the compiling to the first use (pattern.py: the checked shipped rules only)."""
    if pattern is None:
        return None
    if (problem := too_long(pattern)) is not None:
        problems.add(key, problem)
        return None
    if lazy:
        return LazyPattern(pattern, REGEX_FLAGS, f"{problems.where}: {key}")
    try:
        return LazyPattern(pattern, REGEX_FLAGS, f"{problems.where}: {key}", compile_regex(pattern, REGEX_FLAGS))
    except RegexProblem as problem:
        problems.add(key, str(problem))
        return None


def _captures(message: LazyPattern | None) -> Mapping[str, int] | None:
    """The names of match.message's captures; None without one, or when they cannot be told without compiling it
    (a lazy load: group_by and counter are then not checked against them)."""
    return message.groupindex if message is not None and message.is_compiled else None


def _parse_trigger(table: Mapping[str, Any], names: Mapping[str, int] | None, problems: Problems) -> Trigger:
    """`names`: match.message's captures, None when there is none to check against (_captures)."""
    unknown_keys(table, _TRIGGER_KEYS, "trigger.", problems)
    count = table.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        problems.add("trigger.count", f"expected a whole number of hits, 1 or more (got {describe(count)})")
        count = 1
    within = read_duration(table.get("within", DEFAULT_WITHIN), "trigger.within", problems) or 60_000_000
    group_by = read_string(table, "group_by", "trigger.group_by", problems, required=False)
    if group_by is not None and names is not None and group_by not in names:
        said = ", ".join(sorted(names)) or "none"
        problems.add("trigger.group_by",
                     f"expected the name of a capture in match.message ({said}) (got {group_by!r})")
    keep = table.get("keep_firing_for", "0s")
    keep = 0 if keep in ("0", "0s") else (read_duration(keep, "trigger.keep_firing_for", problems) or 0)  # 0: off
    counter, at_least = _parse_counter(table.get("counter"), names, count, problems)
    return Trigger(count=count, within_usec=within, group_by=group_by, keep_firing_for_usec=keep, counter=counter,
                   counter_at_least=at_least)


def _parse_counter(value: Any, names: Mapping[str, int] | None, count: int,
                   problems: Problems) -> tuple[str | None, int]:
    """`counter = { capture = "NAME", at_least = N }` (Trigger.counter): (None, 0) when absent or wrong."""
    if value is None:
        return None, 0
    expected = 'expected a table like { capture = "counter", at_least = 10 }'
    if not isinstance(value, Mapping):
        problems.add("trigger.counter", f"{expected} (got {describe(value)})")
        return None, 0
    if count <= 1:
        problems.add("trigger.counter", "a rule that fires at one line needs no counter: expected trigger.count 2 "
                     "or more beside it")
        return None, 0
    unknown_keys(value, {"capture", "at_least"}, "trigger.counter.", problems)
    capture, at_least = value.get("capture"), value.get("at_least")
    if not isinstance(capture, str) or (names is not None and capture not in names):
        problems.add("trigger.counter.capture",
                     f"expected the name of a capture in match.message ({', '.join(sorted(names or ())) or 'none'}) "
                     f"(got {describe(capture)})")
        return None, 0
    if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least <= count:
        problems.add("trigger.counter.at_least",
                     f"expected a whole number above trigger.count ({count}): a counter below it says less than "
                     f"the window does (got {describe(at_least)})")
        return None, 0
    return capture, at_least


def _parse_absence(document: Mapping[str, Any], problems: Problems) -> Absence | None:
    if "absence" not in document:
        return None
    table = read_table(document, "absence", problems)
    unknown_keys(table, _ABSENCE_KEYS, "absence.", problems)
    if "trigger" in document:
        problems.add("absence", "an absence rule has no [trigger], expected [absence] or [trigger], not both")
    silent_for = read_duration(table.get("silent_for"), "absence.silent_for", problems) or 600_000_000
    minimum = table.get("min_entries", 10)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        problems.add("absence.min_entries", f"expected a whole number, 1 or more (got {describe(minimum)})")
        minimum = 10
    numbers: dict[str, float] = {}
    for key, default, low, high in (("max_variation", 1.25, 0.0, 1000.0), ("margin", 3.0, 1.0, 1000.0),
                                    ("false_alarms_per_day", 1e-4, 1e-12, 1.0)):
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            problems.add(f"absence.{key}", f"expected a number from {low:g} to {high:g} (got {describe(value)})")
            value = default
        numbers[key] = float(value)
    learn_for = read_duration(table.get("learn_for"), "absence.learn_for", problems) if "learn_for" in table else None
    return Absence(silent_for_usec=silent_for, min_entries=minimum, max_variation=numbers["max_variation"],
                   margin=numbers["margin"], false_alarms_per_day=numbers["false_alarms_per_day"],
                   learn_for_usec=86_400_000_000 if learn_for is None else learn_for)


_RULE_KEYS_SAID = "a rule's keys (id, title, severity, ...)"


def _misplaced(document: Mapping[str, Any], problems: Problems) -> dict[str, Any] | None:
    """The document with the rule's keys of an unknown table lifted to the top (a new user wrote `[rule]` above
    them), that table said once, as what it is: read where it stood, its keys made five cascading errors
    (`rule: unknown key`, `id: missing`, ...). `[[rule]]` twice cannot stand for the rule (one rule per file):
    None then, that one error all there is to say, unless the file has an id, title or severity at its top too."""
    lifted = dict(document)
    for name, value in document.items():
        many = isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)
        tables = value if many else [value] if isinstance(value, dict) else []
        header = f"[[{name}]]" if many else f"[{name}]"
        # (a known table misspelt is that table, said by _unknown_top: `[[samples]]` holds `match = true`, a rule's
        # key's name, and was told that a rule's keys go at the top of the file; a new user's trial)
        if name in _TOP_KEYS or did_you_mean(header, _TABLES) or not any(
                key in _TOP_KEYS for table in tables for key in table):
            continue
        del lifted[name]
        if len(tables) > 1:
            problems.add(header, f"unknown table; a rule file holds one rule, {_RULE_KEYS_SAID} at the top of the "
                         "file (write one file per rule)")
            return lifted if any(key in document for key in ("id", "title", "severity")) else None
        problems.add(header, f"unknown table; {_RULE_KEYS_SAID} go at the top of the file")
        for key, item in tables[0].items():
            if key in _TOP_KEYS and key not in lifted:
                lifted[key] = item
                problems.moved[key] = name
    return lifted


_TABLES = ("[match]", "[trigger]", "[absence]", "[anomaly]", "[[sample]]", "[[scenario]]")


def _unknown_top(document: Mapping[str, Any], problems: Problems) -> bool:
    """Say the top-level keys no rule takes; a table among them as a table (`[matches] (line 4): unknown table (did
    you mean '[match]'?)`, not `matches: unknown key` among every scalar key). True when a table was said: what it
    held is unread, so "nothing to match" would be its echo."""
    tabled = False
    for key, value in document.items():
        if key in _TOP_KEYS:
            continue
        many = isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)
        if not (isinstance(value, dict) or many):
            problems.add(key, unknown_key(key, _TOP_KEYS))
            continue
        header = f"[[{key}]]" if many else f"[{key}]"
        problems.add(header, f"unknown table{did_you_mean(header, _TABLES)}, expected one of {', '.join(_TABLES)}")
        tabled = True
    return tabled



def parse_rule(document: Mapping[str, Any], path: Path, display: str | None = None, text: str = "", *,
               lazy: bool = False) -> Rule:
    """Validate a parsed TOML document; raise RuleError listing every problem (`text`: the file's, for the lines
    they are on). `lazy`: its regexes are compiled at first use, so neither they nor the trigger's capture names
    are checked here (pattern.py: for the shipped rules, which `rules test` and `config check` check)."""
    problems = Problems(display or str(path), text)
    lifted = _misplaced(document, problems)
    if lifted is None:
        raise RuleError(problems.lines)
    document = lifted
    tabled = _unknown_top(document, problems)

    rule_id = read_string(document, "id", "id", problems, required=True)
    if rule_id is not None and rule_id != path.stem:
        problems.add("id", f"must equal the file name, expected {path.stem!r} (got {rule_id!r})")
    title = read_string(document, "title", "title", problems, required=True)
    description = read_string(document, "description", "description", problems, required=False) or ""

    severity_text = document.get("severity")
    severity = Severity.ERROR
    if not isinstance(severity_text, str) or severity_text.lower() not in SEVERITY_NAMES:
        problems.add("severity", f"expected one of {', '.join(SEVERITY_NAMES)} (got {describe(severity_text)})")
    else:
        severity = Severity.parse(severity_text)

    action = document.get("action", "alert")
    if action not in ACTIONS:
        problems.add("action", f"expected one of {', '.join(ACTIONS)} (got {describe(action)})")

    resolve = document.get("resolve", "unit-logs-again" if action == "restart" else "quiet")
    if resolve not in RESOLVES:
        problems.add("resolve", f"expected one of {', '.join(RESOLVES)} (got {describe(resolve)})")

    match = read_table(document, "match", problems)
    unknown_keys(match, _MATCH_KEYS, "match.", problems)
    # An absence rule's regex is compiled at load even so: its late error would just match nothing, said nowhere
    # (SilenceTracker has no quarantine to tell, as the detector does: the unit's silence never watched).
    lazy = lazy and "absence" not in document
    message = _compile(read_string(match, "message", "match.message", problems, required=False), "match.message",
                       problems, lazy)
    ignore = _compile(read_string(match, "ignore", "match.ignore", problems, required=False), "match.ignore",
                      problems, lazy)
    fields = read_string_table(match.get("fields"), "match.fields", problems)
    absence = _parse_absence(document, problems)
    anomaly = None
    if "anomaly" in document:
        anomaly = parse_anomaly(
            read_table(document, "anomaly", problems), problems.add, describe,
            lambda value, key: read_priority(value, key, problems),
            lambda value, key: read_duration(value, key, problems))
        if "message" in match or absence is not None:
            problems.add("anomaly", "an anomaly rule has no match.message and no [absence]")
    if "message" not in match and not fields and absence is None and anomaly is None and not tabled:
        problems.add("match", "nothing to match, expected match.message (a regex) or match.fields")
    max_priority = read_priority(match.get("priority"), "match.priority", problems)
    # Restart rules look at the first line only: a newline smuggled into client data must not be able to
    # start a "line" that looks like the runtime's own output.
    lines = match.get("lines", "first" if action == "restart" else "all")
    if lines not in ("first", "all"):
        problems.add("match.lines", f'expected "first" or "all" (got {describe(lines)})')

    trigger = _parse_trigger(read_table(document, "trigger", problems), _captures(message), problems)
    if message is not None and not message.is_compiled:  # (lazy: its captures are checked when it compiles)
        message.needs = tuple((key, name) for key, name in (("trigger.group_by", trigger.group_by),
                                                            ("trigger.counter.capture", trigger.counter)) if name)
    samples = parse_samples(document, problems)
    scenarios = parse_scenarios(document, problems)
    references = document.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        problems.add("references", f"expected a list of strings (got {describe(references)})")
        references = []

    if problems.lines:
        raise RuleError(problems.lines)
    assert rule_id is not None and title is not None
    return Rule(
        id=rule_id, title=title, description=description.strip(), severity=severity, action=str(action),
        message=message, ignore=ignore, max_priority=max_priority, fields=fields, trigger=trigger,
        samples=samples, scenarios=scenarios, path=path, references=tuple(references),
        first_line_only=lines == "first", absence=absence, anomaly=anomaly, resolve=str(resolve),
    )


_PARSED: dict[tuple[str, str, bytes, bool], Rule] = {}
"""(path, display, content, lazy) -> its Rule: a reload (SIGHUP, `config check`, each scan of a long-lived process)
parses only the files that changed; parsing the shipped library (TOML, then each regex's literals for the
prefilter) is most of a small scan's CPU. A Rule is frozen and a pure function of these four (a lazy one is not
given to an eager load: its regexes were not checked)."""
MAX_PARSED = 2048


def load_rule_file(path: Path, display: str | None = None, *, lazy: bool = False) -> Rule:
    """Read and validate one rule file (RuleError says where and what); `lazy`: as parse_rule's."""
    where = display or str(path)
    try:
        data = read_bytes(path, where)
        key = (str(path), where, data, lazy)
        if (known := _PARSED.get(key)) is not None:
            return known
        document = loads_toml(data, where)
    except TomlFileError as error:
        raise RuleError([str(error)]) from None
    rule = parse_rule(document, path, where, data.decode("utf-8"), lazy=lazy)
    if len(_PARSED) >= MAX_PARSED:
        _PARSED.clear()
    _PARSED[key] = rule
    return rule
