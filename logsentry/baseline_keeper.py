"""The service's baselines over its lifetime: restored at start, learnt from the journal's history at the
first start (in a thread, while the service already follows the journal), saved with each commit,
corrected by the operator's `logsentry baseline accept/forget` requests.

Baseline rows are saved incrementally with every commit (state.py); the template miner's clusters as one
snapshot every TEMPLATES_EVERY_S and at stop (a crash loses at most that much generalisation: template ids
are derived from the unit and the first line, so a line seen again finds its old id).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .engine import episodes
from .engine.absence import SilenceTracker
from .engine.anomaly import AnomalyDetector
from .engine.baseline import Baselines
from .engine.templates import TemplateMiner
from .handover import HANDOVER_DELAY_ENV, LEARN_DELAY_ENV, Passed, delay_for_tests
from .learning import LEARN_DAYS, LEARNT_HOSTS, MAX_JUDGED_HITS, Learnt, host_names, learn, learner
from .model import Hit, split_host_unit
from .rules.rule import Rule
from .sources.journal import JournalLocation, JournalOpenError
from .sources.selection import Selection
from .state import State
from .timespec import format_usec, wall_usec
from .wording import plural

log = logging.getLogger("logsentry")

ANOMALY_KEY = "anomaly"
"""The state's key of AnomalyDetector.snapshot(), saved at a stop only: after a crash the counts start from
those of the last stop (lower, never an entry counted twice: reading resumes after a later cursor)."""
HELD_KEY = "anomaly_held"
"""The state's key of AnomalyDetector.held_snapshot(), saved with every commit (written when it changed): what a
short anomaly holds goes with the baselines and the cursor, so a crash does not lose it or learn it twice."""
HISTORY_KEY = "history_learnt"
"""The state's key saying the first start's history was adopted (saved with the next commit): until then a
start learns it again, even after the cursor was saved (a stop while it learnt lost it, and the units then
learnt from live lines only, cold for hours)."""
TEMPLATES_EVERY_S = 300.0
REQUESTS_EVERY_S = 1.0
EPISODES_EVERY_S = 60.0
"""The templates' episodes (episodes.EPISODES_KEY) are saved when they changed at most this often, and at once
after an adoption, a reload or an accept, and at stop: any error line changes them, and a collector's 10,000
records are 1.4 MB of JSON, written with every commit (each second) before. A crash loses at most this much of
the runs' growth (a run going on is cut in two only when the service is down for longer than the rule's gap
less this)."""


class BaselineKeeper:
    def __init__(self, state: State):
        self.state = state
        self.baselines = Baselines()
        state.load_baselines(self.baselines)
        saved = state.get("templates")
        self.miner = TemplateMiner.restore(saved) if isinstance(saved, dict) else TemplateMiner()
        self._templates_saved = time.monotonic()
        self._requests_checked = 0.0
        self._episodes_saved = -EPISODES_EVERY_S
        self._episodes_due = False
        """Save the episodes at the next commit (they were adopted, reloaded or accepted)."""
        self._history_adopted = False
        """The learner's history was adopted: HISTORY_KEY goes with the next commit."""
        self._learnt: tuple[AnomalyDetector, dict[str, str], Any, Learnt] | None = None
        self._handover: tuple[JournalLocation, tuple[str, ...], Passed] = (JournalLocation(), (), Passed())
        """Where the learner reads, its units, and per machine the entry the live reader started after."""
        self._vouch_for = ""
        """The machine whose claims only its own journald's files vouch for (warm_up)."""
        self._rules: list[Rule] = []
        self.rhythms: Any = None
        """Silence rhythms learnt from the history (a SilenceTracker snapshot) for the service to adopt."""
        self._names: dict[str, str] = {}
        """Host names of the history learnt at the first start, to save at the next commit."""
        self._learner: threading.Thread | None = None
        self._stop = threading.Event()
        self.detector: AnomalyDetector | None = None
        self.late_hits: tuple[Hit, ...] = ()
        """The learner's anomaly hits on lines written since the first start, once adopted (`poll`): the
        service hands them to its pipeline and empties this."""

    def build(self, rules: Iterable[Rule]) -> AnomalyDetector | None:
        """The pipeline's anomaly detector over the kept baselines, or None when no anomaly rule is on; it goes
        on with the units' anomalous periods and rolling counts of the one before it (a reload), or of the last
        stop (saved as ANOMALY_KEY): else a unit in an anomaly at a restart learns its failing lines again."""
        self._rules = list(rules)
        rules = [rule for rule in self._rules if rule.anomaly is not None]
        old = self.detector
        before = [(ANOMALY_KEY, old.snapshot()), (HELD_KEY, old.held_snapshot())] if old is not None else [
            (ANOMALY_KEY, self.state.get(ANOMALY_KEY)), (HELD_KEY, self.state.get(HELD_KEY))]
        self.detector = AnomalyDetector(rules, self.miner, self.baselines) if rules else None
        if self.detector is not None:  # entries read again (after a crash, or learnt by `baseline learn`
            self.detector.adopt_horizons(wall_usec())  # while the service was down) are not learnt twice
            for key, saved in before:
                if not self.detector.restore(saved):
                    log.warning("the anomaly rules' saved counts in %s (%s) are malformed: ignored, they start "
                                "again", self.state.path, key)
            if old is not None:  # the templates' episodes go on (engine/episodes.py)
                episodes.adopt(self.detector, old)
            else:
                self._restore_episodes()
        return self.detector

    def warm_up(self, location: JournalLocation, units: tuple[str, ...], start: Callable[[], Passed],
                vouch_for: str = "") -> None:
        """At the first start (nothing learnt yet), learn the last LEARN_DAYS days of the selected units, up to
        the journal's end, in a thread; `poll()` swaps the result in. Until then units are cold, so anomaly
        rules stay quiet. Also at a later start while the history was never adopted (HISTORY_KEY): a stop
        during the learning, or the anomaly rules switched on since. `start()`: per machine, the entry the live
        reader starts after (handover.py); the learner's hits on lines past it are the service's. `vouch_for`: the
        machine whose units are restarted, whose claims only its own journald's files vouch for (learning.learn)."""
        if self.detector is None or self.baselines.units or self.state.get(HISTORY_KEY):
            return
        try:
            begins = start()
        except JournalOpenError as error:  # the follower will say what it cannot read
            log.warning("cannot tell where the live reader starts (%s): no line read since is judged by the "
                        "history learner", error)
            begins = Passed(default_usec=2**63 - 1)
        now = wall_usec()
        selection = Selection(units=units, since_usec=now - LEARN_DAYS * 86400 * 1_000_000)
        into = learner(rules=self._rules)  # the anomaly rules: anomalous stretches of history are not learnt
        rhythms = SilenceTracker(self._rules)  # and the units' rhythms, so silence need not wait a day
        self._handover = location, units, begins
        self._vouch_for = vouch_for

        def work() -> None:
            if self._stop.wait(delay_for_tests(LEARN_DELAY_ENV)):
                return
            try:
                learnt = learn(location, selection, into, stop=self._stop.is_set, rhythms=rhythms,
                               judged_after=begins, vouch_for=vouch_for)
            except JournalOpenError as error:
                log.error("cannot learn baselines from history: %s", error)
                return
            try:
                names = host_names(location, (split_host_unit(key)[0] for key in into.baselines.units))
            except JournalOpenError as error:
                log.warning("cannot look up the host names of the history learnt: %s", error)
                names = {}
            if self._stop.is_set():
                return
            span = "" if learnt.first_usec is None else f" since {format_usec(learnt.first_usec)}"
            log.info("learnt baselines from %s%s: %s, %s", plural(learnt.entries, "entry", "entries"), span,
                     plural(learnt.units, "unit"), plural(learnt.templates, "template"))
            if learnt.hits_left_out:
                log.warning("%s on lines written since the start were left out (at most %d are judged)",
                            plural(learnt.hits_left_out, "anomaly hit"), len(learnt.hits))
            if self._stop.wait(delay_for_tests(HANDOVER_DELAY_ENV)):  # tests widen the window the hand-over closes
                return
            self._learnt = into, names, rhythms.snapshot(), learnt

        log.info("no baselines yet: learning the last %d days of the journal in the background", LEARN_DAYS)
        self._learner = threading.Thread(target=work, name="logsentry-learn", daemon=True)
        self._learner.start()

    def poll(self, live: Callable[[], Passed]) -> None:
        """Between entries, the live reader caught up: adopt what the learner thread learnt (what was learnt live
        meanwhile is dropped: the history it read covers it, and the counts the anomaly step still holds of what
        it covers are not learnt again). The lines read live since the start, while every unit was cold, are
        judged here, each once (`late_hits`, for the service; handover.py says per machine what was read):
        - up to where the learner stopped, by the learner (its hits on lines past the live reader's position
          are dropped: the live pipeline reads those after the adoption, warm, and judges them itself);
        - from there up to `live()`, the live reader's position now, by reading them on into the learner here,
          in the main thread while the live reader waits: lines written between the learner's end and this
          adoption, which the learner never read (a second or so of them).
        So every line after the start is judged by exactly one side, learner or live pipeline."""
        adopted, self._learnt = self._learnt, None
        if adopted is None:
            return
        learnt, self._names, self.rhythms, result = adopted
        self.late_hits = self._handed_over(learnt, result, live)
        self.baselines, self.miner = learnt.baselines, learnt.miner
        self.baselines.mark_all_changed()
        self._adopted()
        if self.detector is not None:
            episodes.adopt(self.detector, learnt)
            self._episodes_due = True
        self._history_adopted = True
        self._templates_saved = 0.0  # save the new clusters at the next commit

    def _handed_over(self, into: AnomalyDetector, learnt: Learnt, live: Callable[[], Passed]) -> tuple[Hit, ...]:
        """The anomaly hits on the lines the live reader read cold since the start (`poll`)."""
        location, units, begins = self._handover
        try:
            now = live()
        except JournalOpenError as error:
            log.warning("cannot tell how far the live reader has read (%s): the history learner's hits are "
                        "taken as they are", error)
            return learnt.hits
        hits = [hit for hit in learnt.hits if not now.after(hit.entry.machine_id, hit.entry.realtime_usec)]
        lines = 0
        for machine, until in sorted(now.newest.items()):
            since = max(begins.of(machine), learnt.read_until.get(machine, -1))
            if until <= since or not machine:
                continue
            files = now.files.get(machine)  # a collector's host: its own files, not every host's
            try:
                more = learn(JournalLocation(files=files) if files else location,
                             Selection(units=units, since_usec=since + 1, until_usec=until, machines=(machine,)),
                             into, judged_after=begins, reading_on=True, vouch_for=self._vouch_for)
            except JournalOpenError as error:
                log.error("cannot read the lines written while the history was learnt: %s", error)
                continue
            hits += more.hits
            lines += more.entries
        if lines:
            log.info("%s read live since the history learner stopped judged at the hand-over",
                     plural(lines, "line"))
        if len(hits) > MAX_JUDGED_HITS:
            log.warning("%s on lines written since the start were left out (at most %d are judged)",
                        plural(len(hits) - MAX_JUDGED_HITS, "anomaly hit"), MAX_JUDGED_HITS)
        return tuple(hits[:MAX_JUDGED_HITS])

    def for_commit(self, values: dict[str, Any], final: bool = False) -> Baselines | None:
        """Before a commit: apply the operator's queued requests, add the miner's snapshot to `values` when
        due (and at the stop the detector's, ANOMALY_KEY); returns the baselines whose changes the commit should
        save."""
        if self.detector is None:
            return None
        now = time.monotonic()
        if now - self._requests_checked >= REQUESTS_EVERY_S or final:
            self._requests_checked = now
            self._apply(self.state.take_requests())
        if final or now - self._templates_saved >= TEMPLATES_EVERY_S:
            self._templates_saved = now
            values["templates"] = self.miner.snapshot()
        if final:
            values[ANOMALY_KEY] = self.detector.snapshot()
        values[HELD_KEY] = self.detector.held_snapshot()
        if (final or self._episodes_due or now - self._episodes_saved >= EPISODES_EVERY_S) and (
                saved := episodes.snapshot(self.detector)) is not None:
            self._episodes_saved, self._episodes_due = now, False
            values[episodes.EPISODES_KEY] = saved
        if self._history_adopted:
            values[HISTORY_KEY], self._history_adopted = True, False
        if self._names:  # `baseline show` names the hosts whose history was learnt
            saved = self.state.get(LEARNT_HOSTS)
            values[LEARNT_HOSTS] = {**(saved if isinstance(saved, dict) else {}), **self._names}
            self._names = {}
        return self.baselines

    def _apply(self, requests: list[tuple[str, str]]) -> None:
        for kind, arg in requests:
            if kind == "accept":
                keys = self.baselines.accept(arg)  # per (machine, unit): shown by unit, with how many hosts
                units = dict.fromkeys(split_host_unit(key)[1] for key in keys)
                hosts = len({split_host_unit(key)[0] for key in keys})
                log.info("template %s accepted as normal in %s%s", arg, ", ".join(units) or "no unit",
                         f" (on {hosts} hosts)" if hosts > 1 else "")
                if self.detector is not None:
                    episodes.accept(self.detector, arg)
                    self._episodes_due = True
            elif kind == "forget":
                for key in self.baselines.keys_of(arg) or [arg]:  # the unit on every host
                    self.baselines.forget(key)
                    self.miner.forget(key)
                log.info("baseline of %s forgotten", arg)
            elif kind == "reload":
                fresh = Baselines()
                self.state.load_baselines(fresh)
                saved = self.state.get("templates")
                self.baselines = fresh
                self.miner = TemplateMiner.restore(saved) if isinstance(saved, dict) else self.miner
                self._adopted()  # `baseline learn` read up to the journal's end: what it holds is not learnt again
                self._restore_episodes()
                self._episodes_due = True
                log.info("baselines reloaded from %s", self.state.path)

    def _restore_episodes(self) -> None:
        """The templates' episodes as saved (EPISODES_KEY: with the commits, and by `baseline learn`)."""
        if self.detector is not None and not episodes.restore(self.detector, self.state.get(episodes.EPISODES_KEY)):
            log.warning("the templates' saved episodes in %s (%s) are malformed: ignored, they are learnt again",
                        self.state.path, episodes.EPISODES_KEY)

    def _adopted(self) -> None:
        """The detector works on baselines learnt elsewhere from now on."""
        if self.detector is not None:
            self.detector.baselines, self.detector.miner = self.baselines, self.miner
            self.detector.adopt_horizons(wall_usec())

    def close(self) -> None:
        self._stop.set()
        if self._learner is not None:
            self._learner.join(timeout=5)
