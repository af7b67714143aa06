"""A pasted `systemctl status` header's failure, told as PID 1's lines (systemctl_status.StatusFailure), in syslog
text and in text without times.

A header pasted alone (`Active: failed (Result: exit-code) since Tue 2017-04-25 17:35:04 EDT; ...` over `Main PID:
182574 (code=exited, status=2)`, cut at the first screen or with its journal lines lost) has no dated log line, so
the file is read as plain text (sources/plain.py), where the header was never looked at: trial 72's 12, 26 and 34
said nothing of a unit systemctl says failed. There its lines are skipped, as syslog text skips them (but a first
line that lost its glyph, `docker.service - Docker ...`, known for the header's only once its `Loaded:` line comes:
the file's line), and the failure is told once the file is read, at the header's `since` time, in the zone it names
(header_zone.status_zone), as a paste with its journal lines tells it (sources/text.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..model import Entry
from .selection import MANAGER_OWN, Selection
from .syslog_text import SyslogParser
from .systemctl_status import StatusFailure, loaded_unit, status_unit
from .text_line import TextLine

MakeEntry = Callable[[TextLine, str, Selection], Entry | None]
"""sources/text.py's `_entry`: a record to the entry a text's line is."""
HEADER_CURSOR = "'s header"
"""How the cursor of a line told from a header ends (`FILE: systemctl status UNIT's header`); a line of the paste's
own ends in its number (`FILE:12`), so log text never makes one."""


def told_by_header(cursor: str) -> bool:
    """Is the line of this cursor one a `systemctl status` header states, in PID 1's words, and no line of the paste
    says? A card quoted `docker.service: Failed with result 'exit-code'.` as the paste's line (trial 72's 13)."""
    return cursor.endswith(HEADER_CURSOR)


def status_failures(failures: Iterable[StatusFailure], clock: SyslogParser, name: str, selection: Selection,
                    make: MakeEntry) -> Iterator[Entry]:
    """PID 1's lines for each failure a `systemctl status` header states and no line under it told, at its time
    (`clock` reads it as the paste's lines are), after the paste's lines; as systemd[1]'s lines of a paste, text's (a
    user manager's, `systemd[1477]:`, when its lines under the header are: `systemctl --user status`)."""
    for failure in failures:
        if failure.since is None or (usec := clock.wall_usec(*failure.since)) is None:
            continue
        for message in failure.untold():
            manager = failure.manager  # (a user unit's: its manager's, as its lines under the header are)
            fields = {"MESSAGE": message, "SYSLOG_IDENTIFIER": "systemd", "_COMM": "systemd",
                      **({"_HOSTNAME": failure.host} if failure.host else {})}
            if manager == "1" and failure.user:  # (its manager's, whose PID no line gave: selection.MANAGER_OWN)
                fields |= {"_SYSTEMD_USER_UNIT": MANAGER_OWN, "USER_UNIT": failure.unit}
            else:
                fields |= {"_PID": manager, "SYSLOG_PID": manager}
            where = f"{name}: systemctl status {failure.unit}{HEADER_CURSOR}"
            entry = make(TextLine(usec, fields, 0), where, selection)
            if entry is not None:
                yield entry


class PlainStatus:
    """The `systemctl status` headers of a text without times, read beside its other lines (the file's): a
    header begins at its first line (or its `Loaded:` line, the glyph's line cut or glyph lost) and its properties
    are its indented lines; an unindented line ends it."""

    def __init__(self, reference: float):
        self.clock = SyslogParser(reference)
        """Reads the `since` time in the zone the header names, as syslog text's reader does."""
        self.failures: dict[str, StatusFailure] = {}
        self._unit: str | None = None
        self.logged = False
        """A line of the text was no header's."""

    def line(self, line: str) -> bool:
        """Take a line of the text (not a blank one): is it the header's (skipped, as syslog text skips it)? Kept as
        the file's lines, `Active: failed (Result: exit-code) since ...` was a row of excerpt-failure-template under a
        unit named after the file, the failure the header's card tells told again (new-user trial 240's 6)."""
        if (unit := status_unit(line)) is not None or (self._unit is None and (unit := loaded_unit(line)) is not None):
            self._unit = unit
            self.failures[unit] = StatusFailure(unit)
        elif self._unit is not None and line[:1].isspace():
            self.clock.status_property(line)
            self.failures[self._unit].property(line)
        else:
            self._unit = None
            self.logged = True
            return False
        return True

    def note(self) -> str | None:
        """What to say of a text that was a header's lines alone (none of them read as a line), else None."""
        if self.logged or not self.failures:
            return None
        return ("no log line, a systemctl status header alone (systemctl's words, not read as lines)"
                + ("; a systemctl status header's failure is told at its Active: line's since"
                   if any(failure.untold() for failure in self.failures.values()) else ""))
