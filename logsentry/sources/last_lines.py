"""A failed unit's own last lines before its failure, for a scan's card when systemd told the failure.

When a failure is led by one of systemd's rules (systemd-unit-failed, -main-process-killed, -restart-loop,
-start-limit-hit: no rule named its cause), the program's account is in the lines just before, which matched no
rule: dockerd's `failed to start daemon: ... context deadline exceeded` on stderr, stored at priority 6
(helper-125's trial of docker/for-linux#584: the card quoted PID 1 alone). The service's alerts quote a unit's
last lines (service_alerts.py); a scan now shows them too, unless the failure quotes the last of them already.
Lines are the program's own (not PID 1's), at most COUNT, as (journal time µs, message), up to the failure's latest
line of systemd's (`failure_end`): a crash loop is one failure (engine/failure_runs.py), and its latest run's lines
say why it still fails. Its program's last line before the failure began (`failure_start`: the loop's first run) is
shown too when it said otherwise: a trial's loop failed on "permission denied", then on "address already in use";
bounded by the loop's first line, the card, JSON and HTML showed the first only, bounded by its last they would
show the second only.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from systemd import journal

from ..engine.failure_model import joins_as, named_alike, service_stem
from ..engine.host_boots import SAME_BOOT_USEC, HostBoots
from ..engine.window import MAX_SAMPLE_CHARS
from ..model import Entry, Hit, Incident, ScreenedRun, host_unit
from .console_jobs import CONSOLE_RULE, ConsoleJobs
from .journal import JournalLocation, entry_from_fields
from .selection import is_untrusted_source, managers_line, parent_of, unit_terms

COUNT = 5
"""Lines shown, at most."""
KEPT = 64
"""Lines kept per unit while reading: lines read after the failure are left out by time."""
PINNED = 64
"""Lines kept per unit as they were at a line of a systemd rule (LastLines.pin), at most."""
MAX_UNITS = 2000
BOOTS_KEPT = 8
"""Boot starts kept per machine (LastLines.boot_starts)."""
MAX_BACK = 1000
"""Entries of the unit a journal is read back over, at most, for its program's lines (PID 1's are skipped)."""
KERNEL = "kernel"
KERNEL_NEAR_USEC = 60_000_000
"""The kernel's lines before a kernel incident's first line, and after its last, are shown this near it (µs), or
when they name its key (the device, controller or command its rule groups by: `kernel_near`). The kernel is one
"program" for every driver: its last lines before an NVMe timeout were ACPI's boot errors 30 min earlier (a new
user's dmesg, nu240's 5), read as the timeout's lead-in. A driver reports a fault within its own command timer of
it (NVMe's io_timeout and SCSI's are 30 s by default): a minute holds that, twice over, and the reset or disconnect
that follows; an older line of another device is no account of the fault."""

Line = tuple[int, str]


@dataclass(frozen=True)
class Said:
    """A failure's program's last lines: COUNT at most, with `before_start`."""

    lines: tuple[Line, ...] = ()
    """Before the failure's latest line of systemd's (`failure_end`), oldest first."""
    before_start: Line | None = None
    """The program's last line before the failure's first (`failure_start`), when none of `lines` says it: a crash
    loop's first run that failed otherwise than its latest."""
    after: tuple[Line, ...] = ()
    """A text's incident of a rule that names its cause (LastLines.leading): its unit's first COUNT lines after its
    last hit, within its window: what the program did then (Redis's `User requested shutdown...` after its last
    `Error condition on socket for SYNC: Connection refused`), on no card before (rough edge 65's 4)."""

    def __bool__(self) -> bool:
        return bool(self.lines) or self.before_start is not None or bool(self.after)


NOTHING = Said()


@dataclass(frozen=True)
class Fired:
    """A unit's lines kept when an incident fired (LastLines.fires), each with its place in the unit's reading,
    and the (time, place) of its rule's hits among them."""

    lines: tuple[tuple[int, Line], ...] = ()
    hits: tuple[tuple[int, int], ...] = ()

    def before_first(self, first_usec: int, place: int, line: Line) -> bool:
        """Was the line read before the incident's first hit (its first line at `first_usec`)? By place when that
        hit is among `hits` (a paste's lines of one second tie by time), else by time."""
        first = min((at_place for at, at_place in self.hits if at == first_usec), default=None)
        return line[0] < first_usec if first is None else place < first


def said(lines: list[Line], before_start: Line | None) -> Said:
    """The last COUNT of `lines`, or COUNT - 1 and `before_start` when none of those says what it says."""
    if before_start is None or before_start[1] in {message for _, message in lines[-COUNT:]}:
        return Said(tuple(lines[-COUNT:]))
    return Said(tuple(lines[-(COUNT - 1):]), before_start)


def told_by_systemd(rule_id: str) -> bool:
    """Is the rule one of systemd's (a failure it leads: no rule naming a cause led it)?"""
    return rule_id.startswith("systemd-")


def untold(incident: Incident, lines: Said) -> Said:
    """The lines the failure does not quote already (a rule matched them: its chain or its own lines say them);
    `before_start` alike. Each line on its own: when the last was quoted, all were left out, and the cause a rule
    matched none of went with them (pgbouncer's `WARNING could not open /etc/pgbouncer/userlist.txt: Permission
    denied` before its quoted `FATAL cannot load auth_file`: rough edge 65's 3)."""
    quoted = {link.message for link in incident.chain} | {sample[:MAX_SAMPLE_CHARS] for sample in incident.samples}

    def told(line: Line) -> bool:
        return line[1][:MAX_SAMPLE_CHARS] in quoted

    first = lines.before_start
    return Said(tuple(line for line in lines.lines if not told(line)), None if first is None or told(first) else first)


def kernel_near(incident: Incident) -> Callable[[Line], bool] | None:
    """For a kernel incident, whether a kernel line is its context (KERNEL_NEAR_USEC): within a minute of its first
    or last line, or naming its key as a word (`EXT4-fs (sda1): mounted filesystem` before sda1's ext4 error);
    None for another unit's, whose lines are its own program's."""
    if incident.unit != KERNEL:
        return None
    start, end = incident.first_usec - KERNEL_NEAR_USEC, incident.last_usec + KERNEL_NEAR_USEC
    named = re.compile(rf"(?<![\w-]){re.escape(incident.key)}(?![\w-])").search if incident.key else None
    return lambda line: start <= line[0] <= end or (named is not None and named(line[1]) is not None)


def failure_start(incident: Incident) -> int:
    """The failure's first line (µs): its leader's first hit or an earlier link of its chain."""
    return min([incident.first_usec, *(link.first_usec for link in incident.chain)])


def failure_end(incident: Incident) -> int:
    """The failure's latest line of systemd's (µs): a crash loop's latest run's failing (or the restart systemd
    scheduled after it, before the next run began). Not the failure's last line of any rule: a generic rule
    (error-burst) joins on the next run's lines too. Without a chain: its leader's, one of systemd's."""
    return max((max(link.first_usec, link.last_usec) for link in incident.chain if told_by_systemd(link.rule_id)),
               default=incident.last_usec)


class UnitLines(OrderedDict[str, deque[Line]]):
    """Per unit key (host_unit), its last lines (journal time µs, message), oldest first, in bounded memory: `keep`
    a unit (as it is when the unit's first line comes) and `max_units` units, the unit kept first going first. The
    service's alerts quote them (service_alerts.py), a scan's card a failure's program's (LastLines)."""

    def add(self, new: Iterable[tuple[str, Iterable[Line]]], keep: int, max_units: int = MAX_UNITS) -> None:
        """Keep lines among their units' last ones: per unit key, its lines, oldest first."""
        for key, lines in new:
            self.of(key, keep, max_units).extend(lines)

    def add_line(self, key: str, line: Line, keep: int, max_units: int = MAX_UNITS) -> None:
        """add() of one line of one unit key, without the iterables (per entry in full: the service's _entry)."""
        self.of(key, keep, max_units).append(line)

    def of(self, key: str, keep: int, max_units: int = MAX_UNITS) -> deque[Line]:
        """The unit key's lines, a new empty deque of `keep` lines for a unit not kept yet (the unit kept first
        going first past `max_units`)."""
        kept = self.get(key)
        if kept is None:
            kept = self[key] = deque(maxlen=keep)
            if len(self) > max_units:
                self.popitem(last=False)
        return kept


class LastLines:
    """Per unit (host_unit key), the last KEPT lines of its program among the entries read in full: every entry
    of a text, export or JSON input; a journal's candidates only (journal_lines reads a journal back instead)."""

    def __init__(self) -> None:
        self.units = UnitLines()
        self.pinned = UnitLines()
        """Per failure's unit (joins_as), its program's last COUNT lines at each line of a systemd rule (`pin`): a
        failure is told when its incident ends, a window (10 min) on, and a unit that ran on meanwhile (a crash loop
        that recovered, 100 lines of a working run) had pushed its lines before the failure out of `units`."""
        self.read: dict[str, int] = {}
        """Per unit key, the lines `units` took of it so far: where a hit's line is among them (`hit_at`)."""
        self.hit_at: dict[tuple[str, str], deque[tuple[int, int]]] = {}
        """Per unit key and rule (not systemd's), its latest KEPT hits' times and `read` at each: the lines after an
        incident's last hit, up to the rule's next hit in the unit, are its lines after (Said.after). One `read` per
        unit and rule gave an incident the lines after another incident's hit: the kernel's segfaults, one
        incident per command, all the `kernel` unit's, and a segfault's `Code: ...` line was on the card of the
        segfault before it, not its own (helper-223)."""
        self.added = 0
        """Unit keys `units` took so far: `alike` is looked up again once it took another."""
        self.fired: OrderedDict[tuple[str, str, int], Fired] = OrderedDict()
        """Per hit that fired an incident of a rule that names its cause (unit key, rule, time: `fires`), the unit's
        lines kept before it, in reading order, and the rule's hits among them: told when the incident ends
        (`leading`), a window on."""
        self.boots = HostBoots()
        self.console = ConsoleJobs()
        """A console's jobs and the lines read while each ran (console_jobs.py): a failed one's card shows those."""
        self.boot_starts: dict[str, deque[int]] = {}
        """Per machine, when its boots after the first read began (µs, oldest first; engine/host_boots.py tells a
        boot: an entry's _BOOT_ID, a text's kernel banner `Linux version ...`, less SAME_BOOT_USEC, as the lines
        just before it are its boot's). A card's lines are of one boot (`_of_boot`): a kern.log's card after a reboot
        quoted the boot before's OOM kill, its `reboot: Restarting system` and the banner as its program's last lines
        before it (helper-223)."""
        self.alike: dict[str, tuple[int, list[str]]] = {}
        """Per text unit, `added` and the keys of its programs named alike then (`_program`): a look through every
        unit at each line of a systemd rule made a 200,000-line paste of 150 programs and 5,000 failures a sixth
        slower to scan."""

    def watch(self, items: Iterable[Entry | ScreenedRun]) -> Iterator[Entry | ScreenedRun]:
        """The items, each Entry's line kept on its way."""
        units, add, changed = self.units, self.units.add, self.boots.changed
        for item in items:
            if isinstance(item, Entry) and changed(item):  # (a new boot of a machine seen before: "" the first)
                starts = self.boot_starts.get(item.machine_id)
                if starts is None:
                    starts = self.boot_starts[item.machine_id] = deque(maxlen=BOOTS_KEPT)
                    if len(self.boot_starts) > MAX_UNITS:
                        self.boot_starts.pop(next(iter(self.boot_starts)))
                starts.append(item.realtime_usec - (SAME_BOOT_USEC if item.from_text else 0))
            if isinstance(item, Entry) and item.from_text:
                self.console.line(item.machine_id, item.realtime_usec, item.message)
            # not a service manager's own line about the unit (PID 1's, or a user manager's: its program's lines)
            if isinstance(item, Entry) and not managers_line(item.fields):
                key = host_unit(item.machine_id, item.unit)
                if key not in units:
                    self.added += 1
                    if len(self.read) > 2 * MAX_UNITS:  # (those `units` let go: read from 0 again if they come back)
                        self.read = {known: self.read.get(known, 0) for known in units}
                add(((key, ((item.realtime_usec, item.message),)),), KEPT)
                self.read[key] = self.read.get(key, 0) + 1
            yield item

    def pin(self, hit: Hit) -> None:
        """A line of a systemd rule (its failure, its restart): keep the program's last COUNT lines up to it."""
        if not told_by_systemd(hit.rule_id):
            return
        entry = hit.entry
        lines = [line for line in self._of_boot(entry.machine_id, entry.realtime_usec,
                                                self._program(entry.machine_id, entry.unit))
                 if line[0] <= entry.realtime_usec]
        key = host_unit(entry.machine_id, joins_as(entry.unit))
        known = set(self.pinned.get(key, ()))
        if new := [line for line in lines[-COUNT:] if line not in known]:
            self.pinned.add(((key, new),), PINNED)

    def matched(self, hit: Hit, fires: bool) -> None:
        """A rule's hit (MatchEvent): `pin` it, and keep the lines before it when it fired an incident (`fires`)."""
        self.pin(hit)
        if not told_by_systemd(hit.rule_id):
            key = host_unit(hit.entry.machine_id, hit.entry.unit)
            hits = self.hit_at.get((key, hit.rule_id))
            if hits is None:
                hits = self.hit_at[(key, hit.rule_id)] = deque(maxlen=KEPT)  # (lines before more are not kept)
                if len(self.hit_at) > 2 * MAX_UNITS:
                    self.hit_at.pop(next(iter(self.hit_at)))
            hits.append((hit.entry.realtime_usec, self.read.get(key, 0)))
        if fires:
            self.fires(hit)

    def fires(self, hit: Hit) -> None:
        """A hit that fired an incident of a rule that names its cause: keep the unit's lines before it, each with
        its place in the unit's reading (`read`), and where the rule's hits among them were (`hit_at`): the
        incident's first hit is one of those, and `leading` tells only the lines before it."""
        if told_by_systemd(hit.rule_id):
            return
        entry = hit.entry
        kept = self.units.get(key := host_unit(entry.machine_id, entry.unit))
        if not kept:
            return
        start = self.read.get(key, 0) - len(kept)  # (kept's line i was the unit's start + i + 1th read)
        boot = set(self._of_boot(entry.machine_id, entry.realtime_usec, kept))
        lines = tuple((start + index + 1, line) for index, line in enumerate(kept) if line in boot)
        if lines and lines[-1][1] == (entry.realtime_usec, entry.message):
            lines = lines[:-1]
        hits = tuple(at for at in self.hit_at.get((key, hit.rule_id), ()) if at[1] > start)
        self.fired[(key, hit.rule_id, entry.realtime_usec)] = Fired(lines, hits)
        if len(self.fired) > MAX_UNITS:
            self.fired.popitem(last=False)

    def leading(self, incident: Incident) -> Said:
        """The unit's last lines before the incident's first line, of a rule that names its cause, as kept when it
        fired (`fires`), less the lines it quotes (the kernel's: those `kernel_near` it): a text has no journalctl
        command to show them (a new user's monit paste: its card said "'nodejs' failed to start" without the
        "process is not running" and "trying to restart" before it). Before its first hit in reading order, not by
        time alone: `<=` its time showed the first matching line itself as the line before it (a new user's trial,
        nu230: HA's first failed login)."""
        key = host_unit(incident.machine_id, incident.unit)
        kept = self.fired.get((key, incident.rule_id, incident.fired_usec), Fired())
        quoted = {link.message for link in incident.chain} | {sample[:MAX_SAMPLE_CHARS] for sample in incident.samples}
        after = self._after(key, incident, quoted)
        near = kernel_near(incident)
        return Said(tuple([line for place, line in kept.lines if kept.before_first(incident.first_usec, place, line)
                           and (near is None or near(line))
                           and line[1][:MAX_SAMPLE_CHARS] not in quoted][-COUNT:]), after=after)

    def _after(self, key: str, incident: Incident, quoted: set[str]) -> tuple[Line, ...]:
        """The first COUNT of the unit's lines read after the incident's last hit (`hit_at`) and before the rule's
        next hit in the unit (another incident's, or a group's of it), from its last line's time on (a new error's
        lines going on move it) and within its window (the kernel's: those `kernel_near` it), less those it quotes."""
        kept, last, read = self.units.get(key, ()), incident.last_usec, self.read.get(key, 0)
        hits = self.hit_at.get((key, incident.rule_id), ())
        at = next((index for index in range(len(hits) - 1, -1, -1) if hits[index][0] == last), None)
        if at is None:
            return ()
        first = len(kept) - (read - hits[at][1])  # (its index in `kept`; the next hit's line is not after it)
        end = len(kept) - (read - hits[at + 1][1]) - 1 if at + 1 < len(hits) else len(kept)
        lines = self._of_boot(incident.machine_id, last, list(kept)[first:end] if 0 <= first < end else [])
        near = kernel_near(incident)
        return tuple([line for line in lines if last <= line[0] <= last + incident.within_usec
                      and (near is None or near(line))
                      and line[1][:MAX_SAMPLE_CHARS] not in quoted][:COUNT])

    def _program(self, machine: str, unit: str) -> list[Line]:
        """The unit's program's lines kept (a text's: of the program named alike, `before`), oldest first."""
        lines: list[Line] = list(self.units.get(host_unit(machine, unit), ()))
        if not lines and is_untrusted_source(unit):
            known = self.alike.get(name := host_unit(machine, unit))
            if known is None or known[0] != self.added:
                stem, prefix = service_stem(unit), host_unit(machine, "(")
                if len(self.alike) >= MAX_UNITS:
                    self.alike.clear()
                known = self.alike[name] = (self.added, [
                    key for key in self.units if key.startswith(prefix) and key.endswith(")")
                    and (named_alike(stem, program := key[len(prefix):-1]) or runs_it(unit, program))])
            keys = known[1]
            lines = list(self.units.get(keys[0], ())) if len(keys) == 1 else sorted(
                (line for key in keys for line in self.units.get(key, ())), key=_time)
        return lines

    def before(self, incident: Incident) -> Said:
        """The unit's last lines before the failure's latest line of systemd's, and before its first (within the
        same µs: kept too; `said`). A text's unit is its program's name: "(docker.service)" in PID 1's lines is
        "(dockerd)" in its own, so there the program of the host whose name and the service's stem begin alike
        ("docker", "dockerd") stands in. With those pinned at systemd's lines (`pin`): a crash loop's first run's
        while PINNED holds them. A console's failed job's: the lines read while it ran (console_jobs.py)."""
        if incident.rule_id == CONSOLE_RULE and (ran := self.console.said(incident.machine_id, incident.key)):
            return Said(ran)
        start, end = failure_start(incident), failure_end(incident)
        lines = self._program(incident.machine_id, incident.unit)
        kept = set(lines)  # those pinned that `units` lost are older than it holds
        pinned = self.pinned.get(host_unit(incident.machine_id, joins_as(incident.unit)), ())
        before_end = set(pinned)
        # A line of the failure's latest second is before it only if it was read before systemd's line (pinned
        # then): a paste's whole seconds tie, and a restarted run's first line ("Starting MariaDB ... as process
        # 9120" in the second of "Scheduled restart job") was shown as the failed run's last word (helper-196).
        lines = self._of_boot(incident.machine_id, end, sorted(
            [*(line for line in pinned if line not in kept),
             *(line for line in lines if line[0] != end or line in before_end)], key=_time))
        first = next((line for line in reversed(lines) if line[0] <= start), None) if start < end else None
        return said([line for line in lines if line[0] <= end], first)


    def _of_boot(self, machine: str, at: int, lines: Iterable[Line]) -> list[Line]:
        """The lines of the machine's boot at `at` (µs): from its start (`boot_starts`) to the next one's."""
        starts = self.boot_starts.get(machine, ())
        low = max((start for start in starts if start <= at), default=None)
        high = min((start for start in starts if start > at), default=None)
        if low is None and high is None:
            return list(lines)
        return [line for line in lines if (low is None or line[0] >= low) and (high is None or line[0] < high)]


def runs_it(unit: str, program: str) -> bool:
    """Is `program` the tool systemd runs for a text's mount or swap unit? A mount unit's process is mount(8)
    (src/core/mount.c: MOUNT_PATH, and umount(8) to unmount; mount(8) runs a `mount.TYPE` helper), a swap's swapon(8)
    (swap.c): `mount[1411]: mount: /local: wrong fs type, ...` in a paste is `(mount)`'s, and the card of
    `(local.mount)` said nothing of why it failed (trial 72's 35, in syslog text)."""
    if unit.endswith(".mount)"):
        return program in ("mount", "umount") or program.startswith("mount.")
    return unit.endswith(".swap)") and program in ("swapon", "swapoff")


def _time(line: Line) -> int:
    """A line's time alone, to sort by (stably: lines of one time stay in reading order). A paste gives many lines
    one second; sorted by their text too, they came out in alphabetical order (a new user's trial: the cause first,
    not last)."""
    return line[0]


def journal_lines(location: JournalLocation, incident: Incident) -> Said:
    """The unit's program's last lines before the failure's latest line of systemd's, and before its first
    (`said`), read back from the journal (its own `_SYSTEMD_UNIT`, or a container's or user unit's own lines, of
    the incident's machine; none when the journal cannot be read now)."""
    try:
        reader = location.open()
    except OSError:
        return Said()
    try:
        # a container's or user unit's own lines (`docker.service/web`, `user@1000.service/app.service`): the first
        # of its terms (selection.unit_terms), the program's own; a unit's: its _SYSTEMD_UNIT
        own = unit_terms(incident.unit)[0] if parent_of(incident.unit) else {"_SYSTEMD_UNIT": incident.unit}
        for name, value in own.items():
            reader.add_match(f"{name}={value}")
        if incident.machine_id:
            reader.add_match(f"_MACHINE_ID={incident.machine_id}")
        start, end = failure_start(incident), failure_end(incident)
        first = _read_back(reader, start, 1) if start < end else []
        return said(_read_back(reader, end, COUNT), first[-1] if first else None)
    except OSError:
        return Said()
    finally:
        reader.close()


def _read_back(reader: journal._Reader, until: int, count: int) -> list[Line]:
    """The last `count` of the matched entries' lines at or before `until` (µs), PID 1's skipped, oldest first."""
    # Onto the unit's first entry after `until`, then back: a first previous() straight after seek_realtime()
    # skipped the entry before the seek point when two matches were ANDed (measured, systemd 252). Past the unit's
    # last entry: from the tail.
    reader.seek_realtime(until + 1)
    if not reader._next():
        reader.seek_tail()
    lines: list[Line] = []
    for _ in range(MAX_BACK):
        if len(lines) >= count or not reader._previous():
            break
        entry = entry_from_fields(reader._get_all(), reader._get_realtime(), "", frozenset({"_PID"}))
        if entry.realtime_usec <= until and entry.fields.get("_PID") != "1":
            lines.append((entry.realtime_usec, entry.message))
    return lines[::-1]
