"""A stalled journal told from a quiet host, for the service's work by the clock (Service._caught_up).

Why: once it has read everything, the service ends bursts and fires silences by our clock. While journald stands
still (frozen, its disk hung, restarted by its watchdog) nothing comes to read, and by our clock an error burst going
on looked over: it was resolved, and paged again as new once journald wrote the lines it had queued, stamped when it
read them (helper-199's run in a real systemd; `journald.conf(5)`: a stream's lines are stamped as journald reads
them). So the clock's work goes only as far as the local journal is known written: up to the newest local entry
read (a canary that came back is one). When a window or a silence comes due beyond that, a canary is written at once
(a probe: on a healthy host it is back within milliseconds, and a quiet host's incident ends that much later). A
canary not back within STALL_AFTER_USEC marks the journal stalled from the time it was last known written; the
first local entry read after it, stamped when journald wrote again, ends the stall, and the time between is no
window's quiet and no unit's silence (Pipeline.journal_stalled), as a suspend's time is not.

Only where the canary can be read back (the local journal, from a systemd unit, `[canary]` on); elsewhere the
clock's work goes up to our clock, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

STALL_AFTER_USEC = 2_000_000
"""A canary not read back this long (µs) after it was written: the journal stands still. Longer than journald takes
on a busy host (a real journald in the sandbox read one back within milliseconds), far shorter than a rule's hold."""
PROBE_EVERY_USEC = 1_000_000
"""At most one probe a second (µs): each is an entry in the journal."""


@dataclass
class JournalStalls:
    """How far the local journal is known written, and the stall suspected, if any (µs of journal time, which for
    the local journal is our clock)."""

    known_usec: int = 0
    """The newest local entry's time read (a canary's included)."""
    since_usec: int = 0
    """A stall suspected since this time (0: none)."""
    probed_usec: int = 0
    """When the last probe was written."""

    def saw(self, at_usec: int) -> tuple[int, int] | None:
        """A local entry stamped `at_usec` was read: (since, how long) the journal stood still when it ends a stall."""
        ended = None
        if self.since_usec and at_usec > self.since_usec:
            ended = (self.since_usec, at_usec - self.since_usec)
            self.since_usec = 0
        if at_usec > self.known_usec:
            self.known_usec = at_usec
        return ended

    def overdue(self, canary_sent_usec: int | None, now_usec: int) -> int | None:
        """The canary in flight (written at `canary_sent_usec`, None: none is) is overdue at `now_usec`: the time the
        stall is taken from (the last time the journal was known written), once; else None."""
        if canary_sent_usec is None or self.since_usec or now_usec - canary_sent_usec <= STALL_AFTER_USEC:
            return None
        self.since_usec = max(self.known_usec, 1)
        return self.since_usec

    def tick_to(self, now_usec: int, due: bool, in_flight: bool) -> tuple[int, bool]:
        """How far the work by the clock may go at `now_usec` (`due`: something comes due by then; `in_flight`: a
        canary is), and whether to write a probe now."""
        if not due or self.known_usec >= now_usec:
            return now_usec, False
        probe = not self.since_usec and not in_flight and now_usec - self.probed_usec >= PROBE_EVERY_USEC
        if probe:
            self.probed_usec = now_usec
        return self.known_usec, probe
