"""The templates the anomaly step (engine/runstep.py) counts lines of, and how many it may count.

A slot is an index into the C step's per-template arrays: one per (unit, template id) seen in a run. Each has
a budget, the most lines of the template the C step may still count within a window before a rate-spike could
fire (AnomalyDetector._spike: fewer than `min_count`, or at most `peak_margin` times its busiest two minutes),
less its rolling count. Past it, its lines come back one by one and `observe` decides. A budget is made again
whenever what it was reckoned on moves: a line observed one by one, the peak it used ageing out (Minutes.days),
a unit's warm-up ending (a cold unit's budgets are unbounded: no rate-spike fires before its warm-up), or
counted lines learnt.
"""

from __future__ import annotations

import math
from array import array

from ..rules.rule import Rule
from .anomaly import AnomalyDetector
from .baseline import TemplateStats
from .minutes import DAY_USEC, MINUTE_USEC
from .runstep_episodes import Followed

BIG = 2**31 - 1
"""An unbounded budget (the C step's int)."""
NEVER = -(2**63)
"""A deadline already passed, or no line yet (int64 µs)."""


class Slots:
    """Slots and their budgets for one RunStep; `stepped` is the latest journal time (µs) handed to its C step."""

    def __init__(self, detector: AnomalyDetector, rate_rules: list[Rule], new_rules: list[Rule],
                 classes: tuple[Followed, ...] = ()) -> None:
        self.detector = detector
        self.classes = classes
        self.followed = [[detector.episodes[rule_id] for rule_id in follow.rule_ids] for follow in classes]
        """Per class of persistence rules whose lines are counted (engine/runstep_episodes.py), their episodes: each
        slot has a deadline per class."""
        self._all = (1 << len(classes)) - 1
        self._plain = sum(1 << k for k, follow in enumerate(classes) if follow.words_re is None)
        """The mask of every class, and of the classes without words (they follow every template)."""
        self.rate_rules = rate_rules
        self.new_rules = new_rules
        warm_after = [r.anomaly.warm_after_usec for r in rate_rules if r.anomaly is not None]
        self.warm_after = min(warm_after) if warm_after else None
        """The shortest warm-up of the rate rules (µs of the unit's history): before it no rate-spike fires."""
        specs = [rule.anomaly for rule in new_rules if rule.anomaly is not None]
        self._never_fresh = (min((spec.warm_after_usec for spec in specs), default=0),
                             min((spec.warm_entries for spec in specs), default=0),
                             max((spec.novel_for_usec for spec in specs), default=0))
        """What every new rule asks of a template (`fresh`): its unit at least this old (µs) and with this many
        entries when the template first came (fixed then), and the line at most this long after (µs). A
        template that misses one can never be new to any of them: checked first (a cold unit's every budget
        asked each rule in turn). A journal's: a rule that judges excerpts asks no age nor entries of a line read
        from text, which never comes this way (RunStep.entry gives it one by one)."""
        self.stepped = -(2**63)
        self.deadlines = array("q")
        """Per slot and class (slot * classes + class), (deadline, last): the journal time (µs) past which a line
        of the template the class follows may fire (Episodes.deadline), and the latest such line's: the C step
        sends a line past the deadline one by one, and moves both on as lines come (_runstep.c: persist)."""
        self.masks = array("B")
        """Per slot, bit k when class k follows the template: a class without words always, one with words when
        the template's text says one (made again when the text changes: `texts`)."""
        self.clear()

    def clear(self) -> None:
        """Forget every slot (the step starts its tables again)."""
        self.of: dict[tuple[str, str], int] = {}
        self.keys: list[tuple[str, str]] = []
        """Per slot: (unit key, template id)."""
        self.stats: list[TemplateStats | None] = []
        """Per slot: the template's stats its budget was reckoned on (`RunStep._learn` checks they still are)."""
        self.budgets = array("i")
        """Per slot: how many more lines of the template may come before a rate-spike could fire (a bound
        the C step spends; `_learn` checks the real one)."""
        del self.deadlines[:]  # (the same arrays: the C step's state holds them)
        del self.masks[:]
        self.texts: list[str | None] = []
        """Per slot, the template text its mask was told from (None: none yet, every bit set)."""
        self._aging: dict[int, set[int]] = {}
        self._aging_day: list[int] = []
        """Day (µs // DAY_USEC) -> the slots whose budget's peak ages out on it (Minutes.days), and per slot its
        day (-1: none): their budgets are made again before the C step counts lines of that day."""
        self.cold: dict[str, set[int]] = {}
        """Per unit whose history is shorter than the warm-up, the slots given an unbounded budget for it.
        Revoked before the C step is handed a run reaching past the warm-up (it steps a run whole on the
        budgets)."""

    def add(self, unit: str, template_id: str) -> int:
        """The template's slot (a new one if need be), its budget made again."""
        slot = self.of.get((unit, template_id))
        if slot is None:
            slot = self.of[(unit, template_id)] = len(self.keys)
            self.keys.append((unit, template_id))
            self.stats.append(None)
            self._aging_day.append(-1)
            self.budgets.append(0)
            self.deadlines.extend((NEVER, NEVER) * len(self.classes))
            self.masks.append(self._all)
            self.texts.append(None)
        self.renew(unit, slot, retell=True)
        return slot

    def renew(self, unit: str, slot: int, retell: bool = False) -> None:
        """Make the slot's budget again from its template's stats and rolling counts now; with `retell`, its mask
        from its template's text too (a line of it was observed one by one: only that changes a template's
        text)."""
        self.budgets[slot] = self._budget(unit, slot)
        if self.followed:
            stats, classes = self.stats[slot], len(self.classes)
            if (retell or self.texts[slot] is None) and self._plain != self._all:
                self._mask(unit, slot)
            if stats is None:
                for at in range(2 * slot * classes, 2 * (slot + 1) * classes, 2):
                    self.deadlines[at] = NEVER
                return
            template_id, deadlines, mask = self.keys[slot][1], self.deadlines, self.masks[slot]
            for cls, trackers in enumerate(self.followed):
                if not mask >> cls & 1:
                    continue  # (the C step reads no deadline of a class that does not follow the template)
                deadline, last = NEVER, NEVER
                for k, episodes in enumerate(trackers):
                    found, seen = episodes.deadline(unit, template_id, stats.first_usec, stats.accepted)
                    deadline = found if k == 0 or found < deadline else deadline
                    last = max(last, seen)
                at = 2 * (slot * classes + cls)
                deadlines[at] = deadline
                if last > deadlines[at + 1]:  # (the C step's may be later: lines not learnt yet)
                    deadlines[at + 1] = last

    def _mask(self, unit: str, slot: int) -> None:
        """The slot's mask told again from its template's text, when that changed (a line that joined it one by
        one masked a word): a regex per template text, never per line (RunStep._learn checks the text is still
        the one told). A template gone: every bit (its lines come one by one anyway)."""
        template = self.detector.miner.alive(unit, self.keys[slot][1])
        text = None if template is None else template.text
        if text == self.texts[slot] and text is not None:
            return
        self.texts[slot] = text
        mask = self._plain
        for cls, follow in enumerate(self.classes):
            if follow.words_re is not None and (text is None or follow.words_re.search(text)):
                mask |= 1 << cls
        self.masks[slot] = mask

    def told(self, slot: int, text: str) -> bool:
        """Was the slot's mask told from this text (`RunStep._learn`: its counted lines were followed by it)?"""
        return self._plain == self._all or self.texts[slot] == text

    def warmed(self, unit: str) -> None:
        """Before the C step counts the unit's lines up to `stepped`: its unbounded budgets end if its
        warm-up may end by then."""
        history = self.detector.baselines.units.get(unit)
        assert self.warm_after is not None
        if history is None or history.first_usec + self.warm_after <= self.stepped:
            for slot in self.cold.pop(unit):
                self.renew(unit, slot)

    def aged(self) -> None:
        """Before the C step counts lines up to `stepped`: budgets reckoned on a peak that ages out by then
        (Minutes.days) are made again on the lower one (a lower bar: fewer lines may be counted)."""
        today = self.stepped // DAY_USEC
        if not self._aging or today < min(self._aging):
            return
        for day in [day for day in self._aging if day <= today]:
            for slot in self._aging.pop(day):
                self._aging_day[slot] = -1
                self.renew(self.keys[slot][0], slot)

    def fresh(self, unit: str, template_id: str, stats: TemplateStats, usec: int, level: int | None) -> bool:
        """May a line of the template at `usec` (µs) or later, at `level` (the most important of the lines in
        question; None: none had one), be new to one of `new_rules` (novelty.new_why: warm at its first
        sighting, not accepted, within `novel_for`, at the rule's level, its words)? The budget asks for any
        level (0): a template first seen at info may log a warning next, and its counted lines would wait for
        their unit's next single entry. So a deploy's new templates are observed one by one for `novel_for`,
        where raising the step's error level to warning would send every warning line one by one for good (on
        the 1M bench journal 85k entries one by one instead of 120k; 73k without the two rules). `_learn` asks
        with the counted lines' own level."""
        age, entries, novel_for = self._never_fresh
        if (stats.accepted or stats.unit_age_usec < age or stats.unit_entries < entries
                or usec - stats.first_usec > novel_for):
            return False
        for rule in self.new_rules:
            spec = rule.anomaly
            assert spec is not None
            if ((spec.level is None or (level is not None and level <= spec.level))
                    and usec - stats.first_usec <= spec.novel_for_usec
                    and stats.unit_age_usec >= spec.warm_after_usec and stats.unit_entries >= spec.warm_entries):
                template = self.detector.miner.alive(unit, template_id)
                if spec.words_re is None or template is None or spec.words_re.search(template.text):
                    return True
        return False

    def _age_on(self, slot: int, day: int) -> None:
        old = self._aging_day[slot]
        if old >= 0 and (slots := self._aging.get(old)) is not None:
            slots.discard(slot)
            if not slots:
                del self._aging[old]
        if day >= 0:
            self._aging.setdefault(day, set()).add(slot)
        self._aging_day[slot] = day

    @staticmethod
    def _limit(rule: Rule, peak: int) -> int:
        """The most lines of the template in the rule's window that cannot fire it (AnomalyDetector._spike:
        fewer than min_count, or at most peak_margin times its busiest two minutes)."""
        spec = rule.anomaly
        assert spec is not None
        busiest = peak * max(1.0, rule.trigger.within_usec / (2 * MINUTE_USEC))
        return max(spec.min_count - 1, math.floor(spec.peak_margin * busiest))

    def _budget(self, unit: str, slot: int) -> int:
        """How many of the template's lines within a window may be counted: the fewest that cannot fire a
        rate-spike less its rolling counts now (_runstep.c counts its lines from here on)."""
        template_id = self.keys[slot][1]
        stats = self.stats[slot] = self.detector.baselines.templates.get(unit, {}).get(template_id)
        if stats is None or (self.new_rules and self.fresh(unit, template_id, stats, self.stepped, 0)):
            return 0
        if self.warm_after is not None:
            history = self.detector.baselines.units.get(unit)
            if history is not None and history.first_usec + self.warm_after > self.stepped:
                self.cold.setdefault(unit, set()).add(slot)  # a unit's first hours: no rate-spike can fire
                return BIG
            if (cold := self.cold.get(unit)) is not None:
                cold.discard(slot)
        peak, ages = stats.minutes.bar(self.stepped)
        if ages != self._aging_day[slot]:
            self._age_on(slot, ages)
        room = BIG
        for rule in self.rate_rules:
            room = min(room, self._limit(rule, peak) - self.detector.rolled(rule, unit, template_id))
        return max(-BIG, room)
