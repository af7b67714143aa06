"""The service's defences for rules against hostile lines (used by `logsentry run`; scan and tail keep the
detector's plain behaviour).

- Over-long lines are cut before matching: each line of a message to MAX_LINE_CHARS (4 KiB). A rule's cost
  can grow with the square of the line (postgres-backend-crash on a crafted line: 3.5 ms at 2 KiB, 13 ms at
  4 KiB, 53 ms at 8 KiB, 1.2 s at 48 KiB, against the 50 ms limit), so a cut line cannot be used to time a
  rule out, and a 48 KiB line costs no more downstream than a 4 KiB one. Signatures are written at the
  start of a line.
- A rule that still times out is not disabled at once: the entry is skipped for that rule and reported.
  Only QUARANTINE_AFTER timeouts within QUARANTINE_WINDOW_USEC of journal time quarantine it, and then for
  QUARANTINE_FOR_USEC only: it comes back by itself, so no line can silently switch a restart rule off
  for good. Each quarantine is its own event (reported and alerted each time).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from ..model import Entry
from ..rules.rule import Rule
from .detector import Detector, Quarantine

MAX_LINE_CHARS = 4 * 1024
MAX_MESSAGE_CHARS = 64 * 1024
QUARANTINE_AFTER = 3
QUARANTINE_WINDOW_USEC = 600 * 1_000_000
QUARANTINE_FOR_USEC = 600 * 1_000_000


def cut_long_lines(entry: Entry) -> Entry:
    """The entry with each line of its message cut to MAX_LINE_CHARS (and all of it to MAX_MESSAGE_CHARS)."""
    message = entry.message
    if len(message) <= MAX_LINE_CHARS:
        return entry
    lines = message[:MAX_MESSAGE_CHARS].split("\n")
    cut = "\n".join(line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] for line in lines)
    return replace(entry, message=cut)


class BudgetedDetector(Detector):
    """A Detector whose quarantines need repeated timeouts and expire (see the module's docstring): a timeout is not
    tried again (Detector.confirm_factor), its entry is skipped for the rule at once (a crafted line's 500 ms more
    each, on the service's path, let the next lines wait)."""

    confirm_factor = 0

    def __init__(self, rules: Iterable[Rule], timeout: float | None = None):
        if timeout is None:
            super().__init__(rules)
        else:
            super().__init__(rules, timeout)
        self._timeouts: dict[str, deque[int]] = {}
        self._until: dict[str, int] = {}
        self.skipped = 0

    def _quarantine(self, rule: Rule, entry: Entry, reason: str) -> None:
        now = entry.realtime_usec
        times = self._timeouts.setdefault(rule.id, deque(maxlen=QUARANTINE_AFTER))
        times.append(now)
        if len(times) < QUARANTINE_AFTER or now - times[0] > QUARANTINE_WINDOW_USEC:
            self.skipped += 1
            self._new_quarantines.append(Quarantine(rule.id, entry.cursor, now, f"{reason}; entry skipped for this "
                                                    f"rule ({len(times)} of {QUARANTINE_AFTER} allowed timeouts "
                                                    f"within {QUARANTINE_WINDOW_USEC // 60_000_000} min)"))
            return
        times.clear()
        self._until[rule.id] = now + QUARANTINE_FOR_USEC
        super()._quarantine(rule, entry, f"{reason}, {QUARANTINE_AFTER} times within "
                                         f"{QUARANTINE_WINDOW_USEC // 60_000_000} min; quarantined for "
                                         f"{QUARANTINE_FOR_USEC // 60_000_000} min")

    def release(self, now_usec: int) -> list[str]:
        """Put back the rules whose quarantine is over; their ids."""
        back = [rule_id for rule_id, until in self._until.items() if now_usec >= until]
        for rule_id in back:
            del self._until[rule_id]
            self.quarantined.pop(rule_id, None)
            self._set_matching([*self._matching, self.rules[rule_id]])
        return back
