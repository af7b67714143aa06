"""Entry -> hits: which rules match an entry, with their captures.

Every regex search runs with the `regex` package's timeout, so a runaway pattern on a hostile line
cannot hang the service: the rule is quarantined (disabled and reported once) and detection goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import EllipsisType

from ..model import Entry, Hit, Screen, Severity, new_hit
from ..rules.pattern import LateRegexError
from ..rules.rule import Rule
from ..sources.selection import CONTAINER_ID_FIELD
from .levels import effective_priority
from .prefilter import Prefilter
from .stop_windows import BOOT_FIELD
from .usb_disks import BLOCK_RULE, CONTEXT_LITERALS

DEFAULT_TIMEOUT_S = 0.05
CONFIRM_FACTOR = 10
"""A regex that times out is tried again on the same line with this many times its limit before its rule is
quarantined: the limit is wall time, and on a busy host (two cores, a test suite beside the scan) a good rule's
regex was descheduled past 50 ms once and nginx-upstream-timeout was quarantined for the rest of the run, 758 of
its 4,161 matches of the benchmark journal lost. A runaway regex costs that once: its rule is then quarantined."""
# Only this much of a message is matched: journald's own stdout line limit is 48 KiB (LineMax=), and a
# bounded input keeps one huge hostile entry from timing a good rule out.
MAX_MATCH_CHARS = 64 * 1024
GROUPING_FIELDS = ("_SYSTEMD_UNIT", "USER_INVOCATION_ID", "UNIT", BOOT_FIELD, "_SYSTEMD_USER_UNIT", "USER_UNIT")


@dataclass(frozen=True)
class Quarantine:
    """A rule disabled at run time because its regex timed out on an entry."""

    rule_id: str
    cursor: str
    realtime_usec: int
    reason: str


class RuleTimeout(Exception):
    """A rule's regex ran past its time limit."""


def looks_at_entries(rule: Rule) -> bool:
    """Does the rule ask anything of an entry (message, fields, priority), or count every one?"""
    return rule.message is not None or bool(rule.fields) or rule.max_priority is not None


def passes_gates(rule: Rule, priority: int | None, fields: Mapping[str, str]) -> bool:
    """The cheap conditions of a rule (priority limit, exact journal fields), checked before any regex;
    `priority` is the entry's effective priority (Entry.effective_priority)."""
    if rule.max_priority is not None and (priority is None or priority > rule.max_priority):
        return False
    return all(fields.get(name) == value for name, value in rule.fields.items())


def takes_any_message(rule: Rule) -> bool:
    """Does the rule match every message (no regex but one that matches at the start of any text, no
    ignore), so that only its priority and field gates decide?"""
    return rule.ignore is None and (rule.message is None or rule.message.pattern in ("", "^"))


def match_rule(
    rule: Rule,
    message: str,
    priority: int | None,
    fields: Mapping[str, str],
    timeout: float = DEFAULT_TIMEOUT_S,
    *,
    effective: int | EllipsisType | None = ...,
) -> dict[str, str] | None:
    """The captures if `rule` matches, else None. Raises RuleTimeout on a runaway regex.

    `priority` is the entry's PRIORITY (or a sample's): the rule's priority limit applies to the effective
    priority, the level the program wrote into the message when PRIORITY is missing or 6 (a caller that
    knows it already passes it as `effective`)."""
    if rule.max_priority is not None:
        priority = effective_priority(priority, message, fields.get("_TRANSPORT") == "kernel")[0] \
            if effective is ... else effective
    if (rule.max_priority is not None or rule.fields) and not passes_gates(rule, priority, fields):
        return None
    captures: dict[str, str] = {}
    if len(message) > MAX_MATCH_CHARS:
        message = message[:MAX_MATCH_CHARS]
    if rule.first_line_only:
        end = message.find("\n")
        if end >= 0:
            message = message[:end]
    try:
        if rule.message is not None:
            found = rule.message.search(message, timeout=timeout)
            if found is None:
                return None
            captures = {name: value for name, value in found.groupdict().items() if value is not None}
        if rule.ignore is not None and rule.ignore.search(message, timeout=timeout) is not None:
            return None
    except TimeoutError:
        raise RuleTimeout(f"regex ran longer than {timeout * 1000:.0f} ms") from None
    return captures


SEVERITY_LEVELS = {Severity.CRITICAL: 2, Severity.ERROR: 3, Severity.WARNING: 4, Severity.INFO: 6}
"""A rule's severity as the syslog level it stands for (crit, err, warning, info): Detector.rule_level."""


class Detector:
    """Runs every active rule on each entry; the one detector that scan, tail and the service share."""

    confirm_factor = CONFIRM_FACTOR
    """A regex that timed out is tried again with this many times its limit before its rule is quarantined (0: not
    tried again; the service's BudgetedDetector, whose quarantines need three timeouts and expire)."""

    def __init__(self, rules: Iterable[Rule], timeout: float = DEFAULT_TIMEOUT_S):
        self.rules = {rule.id: rule for rule in rules}
        self.timeout = timeout
        # Absence rules run in absence.py, anomaly rules in anomaly.py: neither matches single entries here.
        self._set_matching([rule for rule in self.rules.values() if rule.absence is None and rule.anomaly is None])
        self.quarantined: dict[str, Quarantine] = {}
        self._new_quarantines: list[Quarantine] = []

    @property
    def needed_fields(self) -> tuple[str, ...]:
        """Journal fields the rules look at, beyond MESSAGE and PRIORITY, and those that join a failure's
        incidents (engine/failures.py: which unit owns a PID, a user unit's invocation), or that open a planned
        stop's window and tell a reboot's boots apart (engine/stop_windows.py: PID 1's UNIT, which a dump's
        entries carried only to name their unit, so its stops opened no window: helper F9)."""
        return tuple(sorted({*GROUPING_FIELDS, CONTAINER_ID_FIELD,  # a container's scope (engine/absence_stops.py)
                             *(name for rule in self.rules.values() for name in rule.fields)}))

    def _set_matching(self, rules: list[Rule]) -> None:
        self._matching = rules
        self._prefilter = Prefilter(rules)
        # Rules that take any message (error-burst's '^': only their gates decide) need no regex search,
        # which costs about 2 µs even for '^' (the regex package reads the CPU clock twice for its timeout).
        self._any_message = frozenset(index for index, rule in enumerate(rules) if takes_any_message(rule))

    def screen(self) -> Screen:
        """What a source may check before reading an entry in full (see Screen). It covers the match rules
        and the absence rules that look at entries (message, fields or priority): a screened-out entry is
        then a sign of life only for absence rules that count every entry."""
        gated = [rule for rule in self.rules.values() if rule.absence is not None and looks_at_entries(rule)]
        rules = [*self._matching, *gated]
        prefilter = Prefilter(rules) if gated else self._prefilter
        loosest: dict[str, int | None] = {}
        always = [rules[index].max_priority for index in prefilter.always]
        for literal, owners in zip(prefilter.patterns, prefilter.owners, strict=True):
            limits = [rules[index].max_priority for index in owners]
            if "\ufffd" in literal:  # could stand for any undecodable byte: these rules must see everything
                always.extend(limits)
                continue
            loosest[literal] = None if None in limits else max(limit for limit in limits if limit is not None)
        if BLOCK_RULE in self.rules:  # (the kernel's lines of USB disks, which engine/usb_disks.py reads)
            loosest.update(dict.fromkeys(CONTEXT_LITERALS))
        return Screen(tuple(loosest.items()), tuple(always))

    def detect(self, entry: Entry) -> list[Hit]:
        if entry.screened_out:
            return []
        hits = []
        matching, any_message = self._matching, self._any_message
        message = entry.message
        candidates = self._prefilter.candidates(message if len(message) <= MAX_MATCH_CHARS else
                                                message[:MAX_MATCH_CHARS])
        priority = entry.effective_priority
        for index in candidates:
            rule = matching[index]
            if rule.max_priority is not None and (priority is None or priority > rule.max_priority):
                continue  # the commonest gate, inlined (effective priority): it decides most always-run rules
            if index in any_message:
                if rule.fields and not passes_gates(rule, priority, entry.fields):
                    continue
                captures: dict[str, str] | None = {}
            else:
                try:
                    captures = match_rule(rule, entry.message, entry.priority, entry.fields, self.timeout,
                                          effective=priority)
                except RuleTimeout as error:
                    captures = self._confirmed(rule, entry, priority, error)
                except LateRegexError as error:  # a shipped rule file edited since it was checked: off for good
                    self._disable(rule, entry, str(error))
                    continue
            if captures is None:
                continue
            group = rule.trigger.group_by
            key = captures.get(group, "") if group else ""
            hits.append(new_hit(rule.id, rule.severity, entry, captures, key, "", ""))
        return hits

    def rule_level(self, entry: Entry) -> int | None:
        """The syslog level of the worst signature rule that matches `entry`, None when none does: what `-p`
        takes for a line that has no level of its own (Selection.rule_level). A kernel line in a syslog file has
        lost the printk level the journal keeps as PRIORITY (err for an OOM kill, mm/oom_kill.c); the rule that
        knows the line stands in for it, as it does for the incident."""
        return min((SEVERITY_LEVELS[hit.severity] for hit in self.detect(entry)), default=None)

    def _confirmed(self, rule: Rule, entry: Entry, priority: int | None, error: RuleTimeout) -> dict[str, str] | None:
        """A rule whose regex timed out on `entry`: its captures when it answers with confirm_factor times the limit
        (a busy host, not the regex), else None and the rule quarantined."""
        if self.confirm_factor:
            try:
                return match_rule(rule, entry.message, entry.priority, entry.fields,
                                  self.timeout * self.confirm_factor, effective=priority)
            except RuleTimeout:
                pass
        self._quarantine(rule, entry, f"{error}, and {self.timeout * self.confirm_factor * 1000:.0f} ms tried again"
                         if self.confirm_factor else str(error))
        return None

    @property
    def quarantine_news(self) -> bool:
        """Are there quarantines take_quarantines() has not given yet?"""
        return bool(self._new_quarantines)

    def take_quarantines(self) -> list[Quarantine]:
        """Quarantines since the last call, each reported once."""
        news, self._new_quarantines = self._new_quarantines, []
        return news

    def _quarantine(self, rule: Rule, entry: Entry, reason: str) -> None:
        self._disable(rule, entry, reason)

    def _disable(self, rule: Rule, entry: Entry, reason: str) -> None:
        """Quarantine `rule` (BudgetedDetector's quarantines of timeouts come here after their budget)."""
        self._set_matching([active for active in self._matching if active.id != rule.id])
        notice = Quarantine(rule_id=rule.id, cursor=entry.cursor, realtime_usec=entry.realtime_usec, reason=reason)
        self.quarantined[rule.id] = notice
        self._new_quarantines.append(notice)
