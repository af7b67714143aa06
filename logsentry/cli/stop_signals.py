"""How `logsentry tail` takes Ctrl-C, SIGTERM and SIGHUP: noted, never raised, from the moment the command line
says tail until it has printed its summary. A light module (os and signal only): the CLI sets the handlers
before tail's own modules are imported (about 0.7 s of start-up, in which a stop used to end it with no summary:
exit 143, or click's "Aborted!")."""

from __future__ import annotations

import os
import signal
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_early: list[int] = []
"""The stop signals that came before StopSignals took over (note_early)."""


def _note_early(signum: int, frame: FrameType | None) -> None:
    _early.append(signum)


def note_early() -> None:
    """From now on a stop signal is noted, not obeyed; StopSignals picks it up, and ignores the three once it is
    done (tail finishing): the summary is always printed."""
    for number in SIGNALS:
        signal.signal(number, _note_early)


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP noted, not raised. A handler that raises does so at whatever bytecode runs when
    the signal comes: inside a `__del__` or a generator's finaliser Python prints "Exception ignored in ..." and
    drops the exception, and tail then ran on until a second signal (one stop in ten, while a backlog was read).
    The loop looks at `signum` between items; the wakeup descriptor (signal.set_wakeup_fd) ends its wait at once.
    A signal noted by note_early (during start-up) counts as come. Everything done inside the block, the summary
    included, finishes whatever signals follow."""

    SIGNALS = SIGNALS

    def __init__(self) -> None:
        self.signum = 0
        self.read_fd, self._write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._previous: list[tuple[int, object]] = []
        self._wakeup = -1

    def __call__(self) -> bool:
        """Has a stop signal come?"""
        return self.signum != 0

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.signum = self.signum or signum

    def __enter__(self) -> StopSignals:
        self._previous = [(number, signal.signal(number, self._note)) for number in self.SIGNALS]
        self._wakeup = signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        if _early:
            self.signum = self.signum or _early[0]
        return self

    def __exit__(self, *exc: object) -> None:
        """The handlers as before, except Ctrl-C and the signals note_early took (the CLI's tail), ignored from here:
        a second stop must not cut the cleanup short. SIG_IGN, not note_early's handler: Python puts the handlers
        it set back to the default as it shuts down, and a SIGTERM then ended a tail that had finished with 143."""
        signal.set_wakeup_fd(self._wakeup)
        for number, handler in self._previous:
            ignored = number == signal.SIGINT or handler is _note_early
            signal.signal(number, signal.SIG_IGN if ignored else handler)  # type: ignore[arg-type]
        os.close(self.read_fd)
        os.close(self._write_fd)
