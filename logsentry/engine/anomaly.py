"""Entry -> anomaly hits: the rules that need no regex because they compare a unit with its own past.

Every entry is templated (engine/templates), counted into the unit's baseline (engine/baseline.py) and
tested by each anomaly rule (rules/anomaly.py says what the kinds mean; the two surge tests are engine/surges.py):

- new-template: the template first appeared after the unit's baseline was warm, at the rule's level (and,
  with `words`, its text says one of them);
- rate-spike: the template's (or the unit's error lines') count in the rule's window against the count its
  learned rate predicts: at least `min_count`, `factor` times more, Poisson tail below `p_value`;
- error-share: the unit's error lines in the window against its learned error share: at least
  `min_count`, `factor` times the share, binomial tail below `p_value`;
- a new-template rule with `flood`: a new template's count in the window against the unit's usual count of
  all its lines and its busiest template (engine/flood.py).

The hits go through the same burst windows (`[trigger]`) as signature hits, so an anomaly incident
fires, grows and ends like any other. Expected values come from the baseline *before* the window (the
window's own lines are taken out), so a surge cannot raise its own bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import Entry, Hit, host_unit
from ..rules.anomaly import AnomalySpec, Words
from ..rules.rule import Rule
from .baseline import ERROR_LEVEL, Baselines, TemplateStats, UnitStats
from .client_lines import client_request
from .episodes import Episodes
from .excerpts import Excerpts, at_boot, fatal
from .flood import Floods
from .held import MAX_HELD_UNITS, Held
from .info_lines import told_info
from .novelty import new_why
from .retry_causes import RetryCauses
from .rolling import BUCKETS as BUCKETS
from .rolling import Rolling as _Rolling
from .surges import share_why, spike_why
from .templates import Template, TemplateMiner
from .templates.tokens import first_line

MAX_ROLLING = 20_000
DEBUG_LEVEL = 7
"""syslog's debug, which flood and storm rules leave alone: debug lines are logged because someone turned them on, a
storm of new templates (trial 74's 62: Apache at `LogLevel debug`, 391 `AH01626` lines in 15 min). A line with no
level still counts."""
SAYING = ", saying "
"""How a why with `words` ends, before the word its template says (new-failure-template's: `..., saying "full"`)."""


def left_out(unit: str) -> bool:
    """Scope units but init.scope are not learnt (AnomalyDetector.observe says why)."""
    return unit.endswith(".scope") and unit != "init.scope"


class AnomalyDetector:
    """Learns every entry into the baselines and returns the anomaly rules' hits on it."""

    def __init__(self, rules: Iterable[Rule], miner: TemplateMiner | None = None,
                 baselines: Baselines | None = None, learn_only: bool = False):
        self.rules = [rule for rule in rules if rule.anomaly is not None]
        self.miner = miner if miner is not None else TemplateMiner()
        self.baselines = baselines if baselines is not None else Baselines()
        self.learn_only = learn_only
        """Learn, never hit (`baseline learn`, the service's warm-up from history)."""
        self._rolling: dict[tuple[str, str, str], _Rolling] = {}
        # Per unit, until when (journal time) it counts as anomalous: its last anomaly hit plus that rule's
        # window. Meanwhile its lines are not learnt, so an outage never becomes the unit's normal (an
        # error share learnt from six hours of 100 % errors would end the incident while the outage goes on);
        # they are held (engine/held.py) and learnt after all once a short anomaly ended (`settle`).
        self.last_template: Template | None = None
        """The template of the entry observed last (engine/runstep.py keeps its budgets by it)."""
        self._hot: dict[str, tuple[int, int]] = {}
        """unit -> (since, until): when its current anomalous period began, and until when it lasts."""
        self._held: dict[str, Held] = {}
        """unit -> what its lines in its current anomalous period would have taught, while that may be learnt."""
        self.learnt_until: dict[str, int] = {}
        """unit -> journal time (µs) up to which the baselines hold its entries already (Baselines.seen_until,
        set when history is learnt again or baselines learnt elsewhere are adopted): its entries up to then whose
        template was seen at or after them (`_looked_at`) are not learnt twice."""
        self.skipped: dict[str, int] = {}
        """unit -> entries not learnt because `learnt_until` covered them (what `baseline learn` reports)."""
        self.floods = Floods()
        self.excerpts = Excerpts()
        self.episodes = {rule.id: Episodes.of(rule.anomaly) for rule in self.rules
                         if rule.anomaly is not None and rule.anomaly.kind == "persistence"}
        """persistence rule id -> its templates' episodes (engine/episodes.py)."""
        self.causes = RetryCauses() if any(rule.anomaly is not None and rule.anomaly.retries
                                           for rule in self.rules) else None
        """Each unit's latest error line, the failure a retry announcement is about (AnomalySpec.retries)."""
        self._words_said: dict[tuple[str, str], str | None] = {}
        """(rule id, template text) -> the first of its words the text says, or None (`_said`)."""
        self._at_level: dict[int | None, list[tuple[Rule, AnomalySpec, bool]]] = {}
        """Effective priority -> the rules `observe` asks of a line at it, in rule order, each with whether it only
        counts the line (an error-share rule above the line's level: `_roll`); a rule whose level the line misses
        is left out (`_rules_at`: below error level most rules were asked only to be skipped)."""

    def __bool__(self) -> bool:
        return bool(self.rules) or self.learn_only

    def template_of(self, entry: Entry) -> Template:
        return self.miner.add(host_unit(entry.machine_id, entry.unit), first_line(entry.message))

    def observe(self, entry: Entry, template: Template | None = None, learn: bool = True) -> list[Hit]:
        """Learn the entry; the anomaly hits it makes (tested against the baseline it just joined). Scope units
        but init.scope (login sessions, containers, `systemd-run --scope`) are new names each time: they
        would never be warm, only crowd the real units out of the bounded baselines, so they are left out.
        `template`: the line's live template, already looked up by its masked key (engine/runstep.py).
        `learn` False: a line of an open signature incident (pipeline.py), tested but not learnt."""
        if left_out(entry.unit):
            return []
        unit_key = host_unit(entry.machine_id, entry.unit)  # baselines are per (machine, unit)
        if template is None:
            template = self.template_of(entry)
        else:
            self.miner.count(unit_key, template.id, 1)
        self.last_template = template
        level = entry.effective_priority
        usec = entry.realtime_usec
        since, until = self._hot.get(unit_key, (0, -1))
        hot = until >= usec
        kept = hot or not learn  # not in the baselines (lines `learnt_until` covers are: learnt before)
        if not hot and unit_key in self._held:
            self.settle(unit_key, usec)
        if self.learnt_until and usec <= self.learnt_until.get(unit_key, -1) and self._looked_at(
                unit_key, template.id, usec):
            self.skipped[unit_key] = self.skipped.get(unit_key, 0) + 1
            learn = False
        if hot and learn and (held := self._held.get(unit_key)) is not None and not held.add(
                template.id, template.text, usec, level, entry.message):
            del self._held[unit_key]  # past the bounds: this anomaly is not learnt
        learning = learn and not hot  # this line goes into the baselines (its unit's errors count it)
        unit, stats, _ = self.baselines.observe(unit_key, template.id, template.text, usec, level,
                                                entry.message, learn=learning)
        if self.learn_only:
            return []
        hits = []
        retried = False
        rules = self._at_level.get(level)
        if rules is None:
            rules = self._rules_at(level)
        from_first_fatal, from_first = self.excerpts.judged_by(entry) if entry.from_text else (False, False)
        booting = entry.from_text and self.excerpts.booting(entry)
        client = client_request(entry.message)  # one request's outcome: no new template judges it
        for rule, spec, only_counts in rules:
            if only_counts:  # not an error line, but it still counts as one of the unit's lines for error shares
                self._roll(rule, unit_key, "", usec, kept)
                continue
            if spec.kind == "persistence":  # followed in a cold unit too: engine/episodes.py
                word = self._said(rule.id, spec.words_re, template.text) if spec.words_re is not None else ""
                if word is None:
                    continue  # its template says none of the rule's words: not followed (failure-template-persists)
                judged = not (spec.first_run and level is not None and level <= ERROR_LEVEL) and not (
                    not spec.info_lines and told_info(level, entry.level_source, entry.message))
                why = self.episodes[rule.id].observe(unit_key, template.id, usec, stats.first_usec, unit,
                                                     stats.accepted, judged)
                if why is not None and word:
                    why += f'{SAYING}"{word}"'  # which word made it a failure
            elif spec.kind == "new-template" and client:
                continue  # (engine/client_lines.py: a scanner's 404 is no new failure of the web server)
            elif not (excerpt := spec.excerpts and (from_first_fatal if fatal(spec) else from_first)) \
                    and (spec.excerpts_only or not unit.warm(spec.warm_after_usec, spec.warm_entries)
                         or (booting and at_boot(spec))):
                continue  # (a rule that judges excerpts only: never a journal's line; a text's boot: at_boot)
            elif spec.kind == "new-template":
                if spec.clean and unit.errors > (learning and level is not None and level <= ERROR_LEVEL):
                    continue  # the unit logged errors before (this line, learnt just now, not counted)
                why = new_why(rule, stats, usec, since if hot else None, excerpt)
                if why is not None and spec.clean:
                    why += ", and no line at error level " + ("learnt " if "not learnt" in why else "") + "before"
                if why is not None and spec.words_re is not None:
                    if not spec.info_lines and told_info(level, entry.level_source, entry.message):
                        continue  # the program wrote it at info: no failure by its words (engine/info_lines.py)
                    if (said := spec.words_re.said(template.text, entry.message)) is None:
                        continue  # a new template without the rule's words (a deploy's new wording) is no failure
                    if not spec.flood:  # which word made it a failure (a fresh operator could not tell)
                        why += f'{SAYING}"{said.group(0)}"'
                if why is not None and spec.flood:  # engine/flood.py
                    rolling = self._roll(rule, unit_key, template.id, usec, kept)
                    if spec.lasting_usec and rolling.buckets[0][0] > usec - spec.lasting_usec:
                        continue  # not lasting yet: a one-off run's burst ends, a storm goes on
                    why = self.floods.why(spec, rule.trigger.within_usec, rolling.total, rolling.learnt(), usec, unit,
                                          self.baselines.templates[unit_key].values(), why, unit_key,
                                          since if hot else None)
            elif spec.kind == "rate-spike":
                why = self._spike(rule, unit, stats, template.id, usec, unit_key, kept)
            else:
                why = self._share(rule, unit, usec, unit_key, kept)
            if why is not None:
                end = usec + rule.trigger.within_usec
                if until < end:
                    self._hot.pop(unit_key, None)
                    self._hot[unit_key] = (since if hot else usec, end)
                    if len(self._hot) > MAX_ROLLING:
                        gone = next(iter(self._hot))
                        del self._hot[gone]
                        self._held.pop(gone, None)
                    since, until = self._hot[unit_key]
                # One window per unit: the new templates of one failure (a crash loop prints several) are one
                # incident, and so are the templates whose rates surge together (a failing request's warning,
                # its exception and each frame of its stack trace: one page, not one a frame).
                captures = {"template": template.text, "template_id": template.id}
                if spec.retries and self.causes is not None:
                    retried = True
                    captures.update(self.causes.cause_of(unit_key, entry))
                hits.append(Hit(rule.id, rule.severity, entry, captures, "", why, template.text))
        if hits:
            self._hit(unit_key, usec, hot)
        if self.causes is not None and level is not None and level <= ERROR_LEVEL and not retried:
            self.causes.note(unit_key, entry)  # (an announcement at error level retries the line before it)
        return hits

    def _rules_at(self, level: int | None) -> list[tuple[Rule, AnomalySpec, bool]]:
        """The rules a line at `level` (effective priority) is asked of, made once per level (`_at_level`)."""
        rules = []
        for rule in self.rules:
            spec = rule.anomaly
            assert spec is not None
            if spec.flood and level == DEBUG_LEVEL:
                continue  # (DEBUG_LEVEL: a debug line is no storm)
            if spec.level is None or (level is not None and level <= spec.level):
                rules.append((rule, spec, False))
            elif spec.kind == "error-share":
                rules.append((rule, spec, True))
        if len(self._at_level) < 64:  # (a level is a syslog priority: a handful; a bound all the same)
            self._at_level[level] = rules
        return rules

    def _said(self, rule_id: str, words: Words, text: str) -> str | None:
        """The first of a rule's words the template text says, or None: told once per (rule, text), not per line
        (a persistence rule with `words` follows every line at its level of a template that says one)."""
        key = (rule_id, text)
        if key in self._words_said:
            return self._words_said[key]
        if len(self._words_said) >= MAX_ROLLING:
            self._words_said.clear()
        found = words.search(text)
        said = self._words_said[key] = None if found is None else found.group(0)
        return said

    def said_of_line(self, hit: Hit) -> str:
        """The hit's `why` as said of its line alone, for a signature's incident that begins there ("also ..."): a
        rule that fires at several lines says "never logged" of its burst's lines within its window from the first
        sighting, but a second crash 10 min after the first is no line of that burst (novelty.new_why `of_line`)."""
        rule = next((rule for rule in self.rules if rule.id == hit.rule_id), None)
        spec = rule.anomaly if rule is not None else None
        if rule is None or spec is None or spec.kind != "new-template" or spec.flood or rule.trigger.count == 1:
            return hit.why
        unit_key, usec = host_unit(hit.entry.machine_id, hit.entry.unit), hit.entry.realtime_usec
        stats = self.baselines.templates.get(unit_key, {}).get(str(hit.captures.get("template_id", "")))
        if stats is None:
            return hit.why
        since, until = self._hot.get(unit_key, (0, -1))
        excerpt = spec.excerpts and self.excerpts.judged(hit.entry, note=False, fatal=fatal(spec))
        as_burst = new_why(rule, stats, usec, since if until >= usec else None, excerpt)
        as_line = new_why(rule, stats, usec, since if until >= usec else None, excerpt, of_line=True)
        if as_burst is None or as_line is None or not hit.why.startswith(as_burst):
            return hit.why
        return as_line + hit.why[len(as_burst):]  # with what the rule adds (its word, "no line at error level")

    def _looked_at(self, unit: str, template_id: str, usec: int) -> bool:
        """Do the baselines hold the unit's line of this template at `usec` (µs) already: was the template seen
        at or after it? A line within the unit's `learnt_until` but after its template's last sighting came out
        of time order (history stamped ahead of our clock, then the host's clock stepped back), never learnt: skipped,
        it was lost, and the rate rules took it out of a count that never held it (helper P: a burst of 30 lines of
        a template logged 29 times in 7 h was judged against "0 expected")."""
        stats = self.baselines.templates.get(unit, {}).get(template_id)
        return stats is not None and stats.last_usec >= usec

    def _hit(self, unit: str, usec: int, hot: bool) -> None:
        """The unit's line at `usec` made anomaly hits: a new anomalous period's lines are held from the next
        one on (this one was learnt), and one whose hits span more than SHORT_USEC is let go."""
        if not hot:
            if len(self._held) < MAX_HELD_UNITS:
                self._held[unit] = Held(since=usec, last_hit=usec)
            return
        held = self._held.get(unit)
        if held is not None:
            held.last_hit = max(held.last_hit, usec)
            if not held.short():
                del self._held[unit]  # a long anomaly: never learnt

    def settle(self, unit: str, usec: int) -> None:
        """The unit's entries from `usec` (µs) on are about to be learnt (here, or counted in
        engine/runstep.py): when its anomalous period ended before it, short, what it held is learnt first,
        as learning each line then would have."""
        held = self._held.get(unit)
        if held is None or self._hot.get(unit, (0, -1))[1] >= usec:
            return
        del self._held[unit]
        if held.short():
            self.baselines.learn_held(unit, held)

    def _roll(self, rule: Rule, unit: str, key: str, usec: int, kept: bool) -> _Rolling:
        rolling = self.rolling(rule, unit, key)
        rolling.add(usec, kept)
        return rolling

    def rolling(self, rule: Rule, unit: str, key: str) -> _Rolling:
        """The rule's rolling count of a unit's key ("": all lines, "errors", or a template id), made most
        recently used (and made, empty, when missing)."""
        slot = (rule.id, unit, key)
        rolling = self._rolling.pop(slot, None)  # re-inserted last: least recently used order
        if rolling is None:
            if len(self._rolling) >= MAX_ROLLING:
                del self._rolling[next(iter(self._rolling))]
            rolling = _Rolling(width=max(1, rule.trigger.within_usec // BUCKETS))
        self._rolling[slot] = rolling
        return rolling

    def forget_until(self, unit: str, usec: int) -> None:
        """An incident on `unit` ("MACHINE_ID/unit") ended at `usec` (µs, its last line): the rate and share
        rules' rolling counts of the unit forget their buckets up to it (Rolling.forget_until), so the failure's
        lines are judged once. O(rolling counts kept): incidents end rarely."""
        for (_, of, _), rolling in self._rolling.items():
            if of == unit:
                rolling.forget_until(usec)

    def rolled(self, rule: Rule, unit: str, key: str) -> int:
        """The count `rolling` holds now (0 when there is none), at least what its next `add` returns less one."""
        rolling = self._rolling.get((rule.id, unit, key))
        return 0 if rolling is None else rolling.total

    def last_bucket(self, rule: Rule, unit: str, key: str) -> int | None:
        """The start (µs) of the latest bucket of that rolling count, None when it has none."""
        rolling = self._rolling.get((rule.id, unit, key))
        return rolling.buckets[-1][0] if rolling is not None and rolling.buckets else None

    def hot_until(self, unit: str) -> int:
        """Until when (journal time, µs) the unit counts as anomalous; -1 when it never did."""
        return self._hot.get(unit, (0, -1))[1]

    def unlearnt_until(self, unit: str) -> int:
        """Until when (journal time, µs) the unit's lines are not learnt: it is anomalous, or the baselines
        hold them already (`learnt_until`); -1 when neither."""
        until = self._hot.get(unit, (0, -1))[1]
        return max(until, self.learnt_until.get(unit, -1)) if self.learnt_until else until

    def adopt_horizons(self, now_usec: int) -> None:
        """The baselines were learnt elsewhere (`baseline learn`, the service's warm-up) and are now this
        detector's: what they hold of each unit is not learnt again (counts still waiting in the anomaly
        step, lines read again). Not past `now_usec` (the wall clock, µs): one entry stamped in the future
        by a wrong clock must not keep its unit from learning until then. Lines held in an anomaly are let
        go: the history learnt elsewhere may hold them already."""
        self.learnt_until = {unit: min(self.baselines.seen_until(unit), now_usec) for unit in self.baselines.units}
        self._held.clear()

    def snapshot(self) -> dict[str, Any]:
        """What the service saves at a stop besides the baselines, so that after its start it judges and learns
        as reading straight through would: each unit's anomalous period (µs of journal time; its lines are not
        learnt until it ends) and the rules' rolling counts (bucket start µs, entries), in recency order."""
        return {"hot": [[unit, since, until] for unit, (since, until) in self._hot.items()],
                "rolling": [[rule_id, unit, key, rolling.width, [list(bucket) for bucket in rolling.buckets]]
                            for (rule_id, unit, key), rolling in self._rolling.items()]}

    def held_snapshot(self) -> dict[str, Any]:
        """What units in a short anomaly hold (engine/held.py), with their anomalous periods (µs): the service
        saves it with every commit, as it saves the baselines, so after a stop, a reload or a crash the anomaly
        is learnt once it ended, as reading straight through would."""
        return {"held": [[unit, self._hot.get(unit, (0, -1))[1], *held.saved()] for unit, held in self._held.items()]}

    def restore(self, data: Any) -> bool:
        """Take back a snapshot() or a held_snapshot() (None: there is none); what no longer fits (a rule gone,
        or its window changed) is dropped. False when it is malformed: it is ignored, the units' counts start
        again from their next lines."""
        if data is None:
            return True
        if not isinstance(data, dict):
            return False
        widths = {rule.id: max(1, rule.trigger.within_usec // BUCKETS) for rule in self.rules}
        try:
            hot = {str(unit): (int(since), int(until)) for unit, since, until in data.get("hot", [])}
            rolling = {}
            for rule_id, unit, key, width, buckets in data.get("rolling", []):
                if widths.get(rule_id) == width and buckets:
                    # [start, lines, kept out] (before kept out was counted: [start, lines], all learnt)
                    kept = [[int(start), int(n), int(out[0]) if out else 0]
                             for start, n, *out in buckets[-BUCKETS:]]
                    rolling[(str(rule_id), str(unit), str(key))] = _Rolling(
                        width, kept, sum(n for _, n, _ in kept), sum(out for *_, out in kept))
            held = {}
            for unit, until, *saved in data.get("held", [])[-MAX_HELD_UNITS:]:
                held[str(unit)] = (int(until), Held.restored(saved))
        except (TypeError, ValueError):
            return False
        for unit, (until, holding) in held.items():
            hot[unit] = (holding.since, until)
            self._held[unit] = holding
        self._hot.update(list(hot.items())[-MAX_ROLLING:])
        self._rolling.update(list(rolling.items())[-MAX_ROLLING:])
        return True

    def _spike(self, rule: Rule, unit: UnitStats, stats: TemplateStats, template_id: str,
               usec: int, key: str, kept: bool) -> str | None:
        """`key`: the unit's host_unit key (observe has it: not made again per rule)."""
        spec = rule.anomaly
        assert spec is not None
        if spec.errors:
            return spike_why(rule, unit, stats, usec, self._roll(rule, key, "errors", usec, kept))
        if usec - stats.first_usec < spec.warm_after_usec:
            return None  # a young template has no rate of its own yet (new-template covers new ones)
        return spike_why(rule, unit, stats, usec, self._roll(rule, key, template_id, usec, kept))

    def _share(self, rule: Rule, unit: UnitStats, usec: int, key: str, kept: bool) -> str | None:
        in_errors, in_lines = self._roll(rule, key, "errors", usec, kept), self._roll(rule, key, "", usec, kept)
        return share_why(rule, unit, in_errors, in_lines)
