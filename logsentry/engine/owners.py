"""Whose an anomaly hit on a unit with incidents open is: the open failure's, seen again (evidence in its chain,
not a second page), or another failure's (its own incident and page). One failure, one page; but a long failure
must not hide the next one (engine/failures.py `another_failure`). Kept per unit ("MACHINE_ID/unit" keys) from
the incidents the pipeline opens and ends."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..model import Entry, Hit, Incident, Severity, entry_key, host_unit
from .anomaly import AnomalyDetector
from .baseline import ERROR_LEVEL
from .failure_likeness import ANOTHER_FAILURE_USEC, LIKE_SHARE, another_failure, template_likeness
from .window import BurstTracker

MAX_ENDED_LATELY = 8
"""Ended anomaly incidents kept per unit (Owners.ended_lately)."""
FORGET_ENDED_USEC = 86_400_000_000
"""An ended anomaly incident is forgotten this long (µs of journal time) after its last line (Owners._lately)."""
ANOTHER_KEY = "another failure"
"""The window key of an anomaly rule's incident for a second failure of its unit while its first (key "") is open:
the second is paged, the first stays open while it goes on."""
ANOTHER_KEYS = (ANOTHER_KEY, *(f"{ANOTHER_KEY} {n}" for n in range(2, 5)))
"""The windows of further failures while earlier ones of the same rule are open on the unit ('another failure 2'
for a third, ...), each paged: a unit can hold a few failures at once (an outage, its disk filling up, an expired
certificate), not hundreds, so a fifth while four are open joins the latest (a bound on windows per rule and unit)."""


class Owners:
    """The incidents open per unit, as far as anomaly hits care (signature and anomaly rules' incidents)."""

    def __init__(self, tracker: BurstTracker, anomaly: AnomalyDetector | None, signature_rules: Iterable[str],
                 anomaly_rules: Iterable[str]):
        self.tracker = tracker
        self.anomaly = anomaly
        self.signature_rules = frozenset(signature_rules)
        self.anomaly_rules = frozenset(anomaly_rules)
        self.worded = frozenset(rule.id for rule in (anomaly.rules if anomaly is not None else ())
                                if rule.anomaly is not None and rule.anomaly.words)
        """Anomaly rules whose hits say a failure word (new-failure-template): a failure at any level."""
        self.signature_open: dict[str, int] = {}
        """Units with a signature incident open (how many): the signature, which says what the failure is,
        keeps the incident; their anomaly hits are that failure seen twice, but for another failure's."""
        self.signature_since: dict[str, int] = {}
        """Per unit in `signature_open`, the earliest first hit (µs) of its signature incidents opened since it
        had none open: a template known before then is never another failure."""
        self.anomaly_open: dict[str, str] = {}
        """Per unit, the anomaly rule whose incident is open: the other anomaly rules' hits on that unit are the
        same failure seen from another side (a new error template is also a jump in the error share)."""
        self.highest: dict[str, int] = {}
        """Per unit with incidents open, the highest severity of those opened since it had none: a failure that
        rose from warning to error is not raised to error again each time its error incident ends."""
        self.going: dict[str, dict[str, list[tuple[str, str]]]] = {}
        """Per unit, the templates of its open anomaly incidents at error or worse, and their windows (rule, key):
        a line of one at error level says that failure goes on (`going_on`)."""
        self.going_since: dict[str, dict[tuple[str, str], int]] = {}
        """Per unit in `going`, the first hit (µs) of each of those incidents (by window): an error line of a
        template that first appeared since then, and less than ANOTHER_FAILURE_USEC after, is the same failure going
        on in other words (`going_on`)."""
        self.ended_lately: dict[str, list[Incident]] = {}
        """Per unit, its anomaly incidents that ended in the last day (the last MAX_ENDED_LATELY): one still says
        what its failure is to a template first seen while it was open or less than ANOTHER_FAILURE_USEC after it
        ended (`_lately`). A rule with a short window ends between the lines of a failure that goes on, whose later
        lines were paged again as another failure than the one open since hours before (helper D12's trial:
        Loki's WAL disk full, 2 h into a flush failure: its incident ended a minute after it began, its checkpoint
        errors every 5 min were paged again)."""
        self.apart: set[tuple[str, str]] = set()
        """(rule, unit key) of anomaly windows another failure's hit went to (`seen_again`): the incident they
        fire is a failure of its own (FailureGroups.fired's `apart`)."""

    def opened(self, incident: Incident) -> None:
        key = host_unit(incident.machine_id, incident.unit)
        if incident.rule_id in self.signature_rules or incident.rule_id in self.anomaly_rules:
            self.highest[key] = max(self.highest.get(key, incident.severity), incident.severity)
        if incident.rule_id in self.signature_rules:
            self.signature_open[key] = self.signature_open.get(key, 0) + 1
            self.signature_since[key] = min(self.signature_since.get(key, incident.first_usec), incident.first_usec)
        elif incident.rule_id in self.anomaly_rules:  # not a silence's (it has a `why` too): its end comes
            self.anomaly_open.setdefault(key, incident.rule_id)  # from the tracker, never through ended()
            if incident.template and incident.severity >= Severity.ERROR:
                window = (incident.rule_id, incident.key)
                self.going.setdefault(key, {}).setdefault(incident.template, []).append(window)
                self.going_since.setdefault(key, {})[window] = incident.first_usec

    def ended(self, incident: Incident) -> None:
        key = host_unit(incident.machine_id, incident.unit)
        if incident.rule_id in self.anomaly_rules:
            lately = self.ended_lately.setdefault(key, [])
            lately.append(incident)
            if len(lately) > MAX_ENDED_LATELY:
                del lately[0]
        window = (incident.rule_id, incident.key)
        windows = self.going.get(key, {}).get(incident.template)
        if windows is not None and window in windows:
            windows.remove(window)
            self.going_since[key].pop(window, None)
            if not windows:
                del self.going[key][incident.template]
                if not self.going[key]:
                    del self.going[key]
                    del self.going_since[key]
        if self.anomaly_open.get(key) == incident.rule_id and self._own(  # the unit's next open anomaly incident
                incident.rule_id, incident.machine_id, incident.unit) is None:
            del self.anomaly_open[key]
            for rule_id in sorted(self.anomaly_rules):
                if self._own(rule_id, incident.machine_id, incident.unit) is not None:
                    self.anomaly_open[key] = rule_id
                    break
        if incident.rule_id in self.signature_rules:
            left = self.signature_open.get(key, 0) - 1
            if left > 0:
                self.signature_open[key] = left
            else:
                self.signature_open.pop(key, None)
                self.signature_since.pop(key, None)
        if key not in self.signature_open and key not in self.anomaly_open:
            self.highest.pop(key, None)  # none open: the next failure starts from its own severity

    def going_on(self, entry: Entry, template: str, first_usec: int | None = None) -> list[tuple[str, str]]:
        """The windows (rule, key) whose open incident on the entry's unit is about `template` (the entry's), when
        the entry is at error level or worse: the failure goes on. A new error line repeating through a hang hits
        its new-template rule once; without this its incident ended after its window (10 min) and the hang,
        still logging it, was paged again by another rule (helper D8's trial: traefik's retry loop).
        `first_usec`: when the unit first logged `template` (µs); a template that first appeared since an open
        incident began, and less than ANOTHER_FAILURE_USEC after, says its failure goes on in other words (helper
        D11's trial: Dovecot's SQL backend down, 'Connect to database failed' for 8 min, then query time-outs, was
        paged again by error-share-sustained 10 min after the first line stopped), as one sharing most of its
        words with the incident's (LIKE_SHARE) does whenever it came; another that appeared later is another
        failure (`placed`), which must not keep the first's incident open."""
        if not self.going:
            return []
        level = entry.effective_priority
        if level is None or level > ERROR_LEVEL:
            return []
        key = entry_key(entry)
        if (windows := self.going.get(key, {}).get(template)) is not None:
            return windows
        if first_usec is not None and key in self.going:
            return [window for window, since in self.going_since[key].items()
                    if since <= first_usec < since + ANOTHER_FAILURE_USEC] or [
                window for going, windows in self.going[key].items()
                if template_likeness(template, (going,)) >= LIKE_SHARE for window in windows]
        return []

    def _carded(self, hit: Hit, key: str) -> bool:
        """Is a text line's anomaly hit of a template an anomaly incident of its unit was about, ended within the last
        day (ended_lately)? Then it is that failure again: one card per template in a scanned text. A burst every
        16 min (ntpd's `host name not found` for each pool server) was a card each within the template's hour of
        being new (trial 70: 19 repeated cards in 31 long syslogs); a journal's is paged again, as its alert
        resolved."""
        return any(incident.template == hit.template for incident in self._remembered(key, hit.entry.realtime_usec))

    def take_apart(self, incident: Incident) -> bool:
        """Did another failure's hit fire this (anomaly) incident? Asked once, as it fires."""
        apart = (incident.rule_id, host_unit(incident.machine_id, incident.unit))
        if apart in self.apart:
            self.apart.discard(apart)
            return True
        return False

    def kept(self, found: list[Hit]) -> list[Hit]:
        """The anomaly hits on one entry the pipeline goes on with: all, but only a second failure's (or one more
        severe than every incident open on the unit) while a signature incident is open on its unit."""
        if not self.signature_open:
            return found
        return [hit for hit in found if not self.signature_open.get(key := entry_key(hit.entry))
                or self._escalates(hit, key) or self._apart_from_signature(hit, key) is not None]

    def seen_again(self, hit: Hit) -> bool:
        """Is an anomaly hit the failure an open incident on its unit is about (evidence in its chain, not a
        page)? Yes while a signature's or another anomaly rule's is open, unless it is another failure (a line
        at error level of a template none of them is about, first seen long after they began; a surge of a
        normal line during a long failure stays part of it), or it is more severe than every incident open on the
        unit since it had none open (a warning's failure whose first error comes: the error has its own page, which
        its route may need; once)."""
        entry = hit.entry
        key = entry_key(entry)
        if entry.from_text and hit.template and self._carded(hit, key):
            return True
        if self._escalates(hit, key):
            return False
        if self.signature_open.get(key):
            apart = self._apart_from_signature(hit, key)
        elif self.anomaly_open.get(key, hit.rule_id) == hit.rule_id:
            return False
        elif self._own(hit.rule_id, entry.machine_id, entry.unit) is not None:
            return False  # its own incident (a second failure's): the hit goes on in it
        else:
            apart = self._another_failure(hit, [
                incident for rule_id in sorted(self.anomaly_rules)
                if (incident := self.tracker.incident_of(rule_id, entry.machine_id, entry.unit, ""))])
        if apart is None:
            return True
        if apart:
            self.apart.add((hit.rule_id, key))  # the incident it fires is a failure of its own
        return False

    def placed(self, hit: Hit) -> Hit:
        """An anomaly hit (not seen again) with the key of the window it goes to: a free one of ANOTHER_KEYS when it
        is another failure than its rule's open incidents on the unit (`another_failure`: at error level, of a
        template first seen ANOTHER_FAILURE_USEC or more after each began, not its template), or the key of the
        further failure it is a line of; else "", the first's. Without it a disk filling up hours into an incident
        kept open (a harmless new error line every 5 min, taken as the failure going on) went into that incident and
        was never paged (helper R2); nor was a third failure while the first two were open (helper R3)."""
        entry = hit.entry
        if hit.key or hit.rule_id not in self.anomaly_rules or not self.anomaly_open:
            return hit
        first = self.tracker.incident_of(hit.rule_id, entry.machine_id, entry.unit, "")
        others = {key: incident for key in ANOTHER_KEYS
                  if (incident := self.tracker.incident_of(hit.rule_id, entry.machine_id, entry.unit, key)) is not None}
        if first is None and not others:
            return self._beside_others(hit)
        if not self._judged(hit):
            return hit
        first_seen = self._first_seen(hit)
        for key, other in others.items():
            if hit.template == other.template or \
                    other.first_usec <= first_seen < other.first_usec + ANOTHER_FAILURE_USEC:
                return replace(hit, key=key)  # that further failure's line
        if first is None or not another_failure([first, *self._lately(hit, first_seen)], hit.template, first_seen):
            return hit
        free = next((key for key in ANOTHER_KEYS if key not in others), None)
        if others and (free is None or not another_failure(list(others.values()), hit.template, first_seen)):
            return replace(hit, key=max(others.items(), key=lambda item: item[1].first_usec)[0])  # joins the latest
        assert free is not None
        self.apart.add((hit.rule_id, entry_key(entry)))  # its incident is a failure of its own
        return replace(hit, key=free)

    def _beside_others(self, hit: Hit) -> Hit:
        """A hit of a rule with no incident open on its unit while other anomaly rules' are: with key ANOTHER_KEY when
        it is another failure than theirs (and those that ended lately), its incident a failure of its own. The open
        one may be the first failure's escalation (a first_run rule's error took over the lines of
        new-failure-template's warning, which then ended): a backup failing 40 min into a lost peer's retries went
        into the peer's failure unpaged."""
        entry = hit.entry
        opened = [incident for rule_id in sorted(self.anomaly_rules)
                  if (incident := self.tracker.incident_of(rule_id, entry.machine_id, entry.unit, ""))]
        if not opened or not self._judged(hit):
            return hit
        first_seen = self._first_seen(hit)
        if not another_failure([*opened, *self._lately(hit, first_seen)], hit.template, first_seen):
            return hit
        self.apart.add((hit.rule_id, entry_key(entry)))
        return replace(hit, key=ANOTHER_KEY)

    def _judged(self, hit: Hit) -> bool:
        """Can the hit be another failure? A line of a template at error level, or at any level one that says a
        failure word (helper R3: a backup failing 'access denied' at info, 40 min into a peer 'not responding' at
        info, went into the peer's new-failure-template incident unpaged)."""
        level = hit.entry.effective_priority
        return bool(hit.template) and ((level is not None and level <= ERROR_LEVEL) or hit.rule_id in self.worded)

    def _own(self, rule_id: str, machine_id: str, unit: str) -> Incident | None:
        """The rule's open incident on a unit, the first failure's or (that one ended) a further one's."""
        for key in ("", *ANOTHER_KEYS):
            if (incident := self.tracker.incident_of(rule_id, machine_id, unit, key)) is not None:
                return incident
        return None

    def _first_seen(self, hit: Hit) -> int:
        """When the hit's unit first logged its template (µs of journal time; the line's own time if unknown)."""
        assert self.anomaly is not None
        stats = self.anomaly.baselines.templates.get(entry_key(hit.entry), {}).get(
            str(hit.captures.get("template_id", "")))
        return hit.entry.realtime_usec if stats is None else stats.first_usec

    def _escalates(self, hit: Hit, key: str) -> bool:
        """Is the hit's rule more severe than every incident opened on its unit (`key`) since it had none open?"""
        highest = self.highest.get(key)
        return highest is not None and hit.severity > highest

    def _another_failure(self, hit: Hit, opened: list[Incident]) -> bool | None:
        """True when the hit is another failure than the `opened` incidents of its unit (`another_failure`: at
        error level, of a template first seen long after they began, none about it), else None."""
        if not self._judged(hit):
            return None
        key = entry_key(hit.entry)
        first_seen = self._first_seen(hit)
        since = self.signature_since.get(key)
        if since is not None and first_seen - since < ANOTHER_FAILURE_USEC:
            return None  # known before the signature's incident began (or soon after): nearly always so
        return True if another_failure([*opened, *self._lately(hit, first_seen)], hit.template, first_seen) else None

    def _lately(self, hit: Hit, first_seen: int) -> list[Incident]:
        """The ended anomaly incidents of the hit's unit that were open, or had ended less than
        ANOTHER_FAILURE_USEC before, when its template was first seen (`first_seen`, µs); those that ended a day
        before the hit are forgotten."""
        lately = self._remembered(entry_key(hit.entry), hit.entry.realtime_usec)
        return [incident for incident in lately if incident.last_usec + ANOTHER_FAILURE_USEC > first_seen]

    def _remembered(self, key: str, now_usec: int) -> list[Incident]:
        """The unit's ended anomaly incidents (ended_lately) but those that ended a day (FORGET_ENDED_USEC) before
        `now_usec`, which are forgotten here."""
        lately = self.ended_lately.get(key)
        if not lately:
            return []
        if lately[0].last_usec < now_usec - FORGET_ENDED_USEC:
            lately = [incident for incident in lately if incident.last_usec >= now_usec - FORGET_ENDED_USEC]
            if lately:
                self.ended_lately[key] = lately
            else:
                del self.ended_lately[key]
        return lately

    def _apart_from_signature(self, hit: Hit, key: str) -> bool | None:
        """An anomaly hit on a unit with a signature incident open: False when it goes on in its rule's incident
        that another failure opened since that signature's began, True when it is another failure beside every
        incident open on the unit (a walk over the windows, after the cheap tests), None when it is the open
        failure."""
        entry = hit.entry
        own = self.tracker.incident_of(hit.rule_id, entry.machine_id, entry.unit, "")
        if own is not None and own.first_usec >= self.signature_since.get(key, own.first_usec):
            return False
        return self._another_failure(hit, self.tracker.unit_incidents(entry.machine_id, entry.unit))
