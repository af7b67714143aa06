"""One failure of one unit as FailureGroups (engine/failures.py) keeps it, and its members' identity."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..model import Incident, Link, said_usec
from ..sources.selection import is_untrusted_source, source_name
from .window import MAX_SAMPLE_CHARS

MemberId = tuple[str, str, str, str, int]
"""(rule, machine, unit, key, first_usec): a tracker incident's identity (its versions share it)."""


def member_id(incident: Incident) -> MemberId:
    return (incident.rule_id, incident.machine_id, incident.unit, incident.key, incident.first_usec)


@dataclass
class Failure:
    """Mutable state owned by FailureGroups: one failure of one unit."""

    machine: str
    unit: str
    invocation: str
    settle_usec: int
    last_usec: int
    members: dict[MemberId, Incident] = field(default_factory=dict)
    """Every member's latest version, in the order they fired."""
    open: set[MemberId] = field(default_factory=set)
    given: Incident | None = None
    """The failure's incident as given out (its identity for alerts and resolves); None while it settles."""
    seen: dict[tuple[str, str], Link] = field(default_factory=dict)
    """Per (rule, template: "" but for a new-template rule's lines), rules that matched the unit during the failure
    without firing (a first "Scheduled restart job" of systemd-restart-loop's three; each other new error line):
    their first line, as evidence in the chain."""
    rerun_usec: int = -1
    """When systemd scheduled the unit's automatic restart after this failure ("Scheduled restart job": its next run
    is systemd's, not an operator's start), -1 when it did not (engine/failure_runs.py reruns)."""
    tallies: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """Per place in `seen`: [its rule's hits on the unit since its link was made, the latest one's time (µs)]
    (FailureGroups.note_evidence): its link's count is all of its lines in the failure (seen_links), not only those
    up to its link's line. The card said "error-burst (2 lines up to this one, below its trigger)" above a table of
    error-burst's 12 matches (new-user trial 230, item 5); a plain count kept here costs a hit less than a new Link."""
    since_usec: int = -1
    """For a failure that escalated one paged before (failure_runs.inherit): when that one began (µs of journal time;
    -1: none, or not saved): `began` is then its beginning, the outage's, not the escalation's. A backup failing 40
    min into a lost peer's retries joined the peer's failure escalated 25 min before (a first_run rule's
    error), unpaged."""
    raised: bool = False
    """A more severe incident joined it after it was given out (engine/failure_runs.text_raises: lines read from text
    only): (not saved: the service reads no text) its card is as severe as its members, as before it was given."""


def joins_as(unit: str) -> str:
    """The unit as failures are joined by: a text line's service unit "(X.service)" (PID 1's line about X.service
    in a pasted journalctl or syslog text) as its program's "(X)" (the program's own lines, named by their syslog
    identifier): one failure, not two (helper-118's paste: a MemoryError under "(myapp)" and systemd's lines about
    it under "(myapp.service)"). Both are text's names (parenthesized: sources/selection.untrusted_source), never a
    journal's trusted unit, so no log line joins a real unit this way."""
    if unit.startswith("(") and unit.endswith(".service)"):
        return unit[: -len(".service)")] + ")"
    return unit


LIMIT_RULES = frozenset({"systemd-start-limit-hit", "systemd-user-start-limit-hit"})
"""The start limit's rules, whose line about a socket (`docker.socket: Failed with result 'service-start-limit-hit'.`,
socket.c SOCKET_FAILURE_SERVICE_START_LIMIT_HIT) says the service it starts (`socket_service`) hit the limit: that
service's failure, not a second one (trial 72's 13 gave docker.socket a critical card beside docker.service's)."""


def socket_service(unit: str) -> str | None:
    """The service a socket starts, by default the one of its name (src/core/socket.c socket_load,
    unit_load_related_unit ".service"), else None for a unit that is no socket. A name, as journald's UNIT= or the
    text's (parenthesized) gives it: a journal's unit stays a journal's, a text's a text's."""
    for socket, service in ((".socket", ".service"), (".socket)", ".service)")):
        if unit.endswith(socket) and len(unit) > len(socket) + (socket[-1] == ")"):
            return unit[: -len(socket)] + service
    return None


def near_open(failures: Iterable[Failure], usec: int, last_of: Callable[[Failure], int], span: int) -> bool:
    """Is one of `failures` open with its latest line (`last_of`) within `span` µs of `usec`? A socket's own failure
    then is that one's (its trigger limit, `Trigger limit hit, refusing further activation.`, while its service
    fails at each connection: cockpit.socket's under cockpit.service's), else a failure of its own (a flood of
    connections to a working service)."""
    return any(failure.open and abs(usec - last_of(failure)) <= span for failure in failures)


def joins_as_named(machine: str, unit: str) -> str:
    """joins_as with the machine FailureGroups.joined also takes: the join where no text's names were seen (the
    default of what asks FailureGroups.joined: a ScanSummary, MainExits made alone)."""
    return joins_as(unit)


MAX_TEXT_SERVICES = 4096
"""Text programs remembered as services (TextServices), text programs seen and service names joined, each at most:
text's names are its own to make up, so bounded."""


def service_stem(unit: str) -> str:
    """A unit's name as its program's may be alike to it: "netdata.service" and a text's "(netdata.service)" are
    "netdata"."""
    return source_name(unit).removesuffix(".service")


def named_alike(stem: str, program: str) -> bool:
    """Does one name begin with the other (4 characters at least): docker/dockerd, mysql/mysqld, mariadb/mariadbd,
    postgresql/postgres; a shorter one only as itself or with the daemon's `d` (api/api, ssh/sshd, ntp/ntpd: a new
    user's `api.service` card had no last lines, the 4 characters applied to equal names too)? Not when the longer
    goes on after a separator: nginx-exporter, containerd-shim, docker-proxy are programs of their own (a card of
    nginx.service quoted nginx-exporter's lines as nginx's last words); but a service's instance (ceph-osd@8 for
    ceph-osd) is its program's."""
    short, long = sorted((stem, program), key=len)
    rest = long[len(short):]
    if not rest or (rest == "d" and len(short) >= 3 and long.startswith(short)):
        return long.startswith(short)  # the same name, or its daemon's (ssh/sshd, ntp/ntpd), however short
    return len(short) >= 4 and long.startswith(short) and (
        not rest or rest[0].isalnum() or (rest[0] == "@" and long == stem))


class TextServices:
    """The services PID 1's text lines named ("(myapp.service)" from `systemd[1]: myapp.service: ...`), so that a
    failure of the program "(myapp)" shows under its service's name, as systemd's own lines about it do, whichever
    incident leads it (a new-fatal-template's or systemd-unit-failed's): one service, one name in a report. Only a
    name systemd's text lines gave, only for text's (parenthesized) names: a journal's trusted unit is never
    renamed.

    A service whose program goes by another name (mariadb.service's `mariadbd[2211]:` lines, postgresql@15-main's
    `postgres`, docker's `dockerd`) is joined with the one program of its host in the text named alike
    (`named_alike`) when no program has its stem's own name: in a journal both carry the unit (_SYSTEMD_UNIT), in
    text only the names tell (a pasted `journalctl -u mariadb` gave one failure two cards, a new user's trial).
    So does a text whose host has one program and PID 1's lines about one service, whatever their names: that is
    what `journalctl -u billing` prints of a service whose program is `java` or `python3` (a JVM's OutOfMemoryError
    and systemd's "Failed with result" were two cards, the traceback README's example joins was in none).
    Each service's join is fixed when first asked (`key`): a failure is filed and found under it."""

    def __init__(self) -> None:
        self._named: dict[tuple[str, str], str] = {}
        self._programs: dict[str, set[str]] = {}
        """Per machine, the text programs ("(mariadbd)") whose own lines were read."""
        self._seen = 0
        self._joined: dict[tuple[str, str], str] = {}

    def note(self, machine: str, unit: str) -> None:
        """PID 1's line of the text named `unit`."""
        if unit.startswith("(") and unit.endswith(".service)") and len(self._named) < MAX_TEXT_SERVICES:
            self._named.setdefault((machine, joins_as(unit)), unit)

    def saw(self, machine: str, unit: str) -> None:
        """A program's own line of the text (not PID 1's): `unit` is its name, "(mariadbd)"."""
        if unit.startswith("(") and not unit.endswith(".service)") and self._seen < MAX_TEXT_SERVICES:
            programs = self._programs.setdefault(machine, set())
            if unit not in programs:
                programs.add(unit)
                self._seen += 1

    def key(self, machine: str, unit: str) -> tuple[str, str]:
        """A failure's place in FailureGroups._by_unit: its machine and its unit as joined: a text service
        "(X.service)" as its program's name, "(X)" (joins_as) or the one program named alike; a text program
        named alike to the one service PID 1's lines named (`postgres` beside `postgresql@15-main[6095]:`, Debian's
        pg_ctlcluster, which logs under the unit's name) as that service."""
        if not is_untrusted_source(unit):
            return machine, unit
        if not unit.endswith(".service)"):
            return machine, self._program_key(machine, unit)
        joined = self._joined.get((machine, unit))
        if joined is None:
            joined = joins_as(unit)
            if len(self._joined) >= MAX_TEXT_SERVICES:
                return machine, joined  # (past the bound, never joined otherwise: a key must not change)
            programs = self._programs.get(machine, set())
            if joined not in programs:
                stem = unit[1:-len(".service)")]
                alike = [program for program in programs if named_alike(stem, program[1:-1])]
                if not alike and len(programs) == 1 and self._services_of(machine) == {unit}:
                    alike = list(programs)  # `journalctl -u billing`: java's lines and PID 1's about billing alone
                if len(alike) == 1:
                    joined = alike[0]
                    if len(self._named) < MAX_TEXT_SERVICES:
                        self._named.setdefault((machine, joined), unit)
            self._joined[(machine, unit)] = joined
        return machine, joined

    def _services_of(self, machine: str) -> set[str]:
        """The services PID 1's text lines named on the machine (each `_named` value: a service, under its own
        stem or its program's name). Asked once per name (`_joined` keeps the answer)."""
        return {service for (host, _), service in self._named.items() if host == machine}

    def _program_key(self, machine: str, unit: str) -> str:
        """A text program's place (`key`), fixed when first asked: the one service of its host named alike when
        PID 1's lines named one (and it has no service of its own name), else itself."""
        joined = self._joined.get((machine, unit))
        if joined is not None:
            return joined
        if len(self._joined) >= MAX_TEXT_SERVICES:
            return unit  # (past the bound, never joined otherwise: a key must not change)
        name = unit[1:-1]
        services = [service for (host, base), service in self._named.items()
                    if host == machine and base != unit and named_alike(service[1:-len(".service)")], name)]
        joined = unit
        if len(services) == 1 and (machine, unit) not in self._named:
            service = self.key(machine, services[0])[1]
            if service in self._programs.get(machine, set()):  # (its program, not two alike: neither then)
                joined = service
        self._joined[(machine, unit)] = joined
        return joined

    def name(self, machine: str, unit: str) -> str:
        """The unit a failure of (machine, unit) shows under: a text program's service's name where known."""
        return self._named.get((machine, unit), unit) if unit.startswith("(") else unit


def seen_links(failure: Failure) -> dict[tuple[str, str], Link]:
    """The failure's evidence links (`seen`), each counting its rule's lines in the failure (`tallies`): those up to
    its line and those after it, to the latest (`last_usec`)."""
    tallies = failure.tallies
    if not tallies:
        return failure.seen
    return {place: link if (tally := tallies.get(place)) is None else
            replace(link, count=link.count + tally[0], last_usec=max(link.last_usec, tally[1]))
            for place, link in failure.seen.items()}


def began(failure: Failure) -> int:
    """The failure's first hit (µs of journal time), or that of the failure it escalated (Failure.since_usec)."""
    first = min((member.first_usec for member in failure.members.values()), default=failure.last_usec)
    return first if failure.since_usec < 0 else min(first, failure.since_usec)


def failure_view(failure: Failure, rank: Callable[[Incident], Any], one_hit: Collection[str]) -> Incident:
    """The failure as one incident: its leader's (the least by `rank`; once given out, the given one's) with the
    chain. Before it is given out it is as severe as its members and as the rules one hit fires (`one_hit`) that
    its chain has as evidence: such a rule met its trigger on the failure's line, and only the failure's incident
    already open made it a link (a second Go panic's new-fatal-template, critical, while the first's was open)."""
    members = list(failure.members.values())
    fired, fired_on = {m.rule_id for m in members}, {(m.rule_id, m.template) for m in members}
    chain = tuple(sorted([*member_links(members).values(),
                          *(link for (rule, template), link in seen_links(failure).items()
                            if (rule, template) not in fired_on and (template or rule not in fired))],
                         key=lambda link: (said_usec(link), link.first_usec)))
    if failure.given is None:
        lead = min(members, key=rank)
        severity = max([*(m.severity for m in members),
                        *(link.severity for (rule, _), link in failure.seen.items() if rule in one_hit)])
        # its rule's hits in each run of a crash loop, to the latest (as its chain's link says, and once given)
        same = [m for m in members if (m.rule_id, m.key) == (lead.rule_id, lead.key)]
        return replace(lead, unit=failure.unit, invocation=failure.invocation or lead.invocation, severity=severity,
                       count=max(sum(m.count for m in same), lead.count),
                       last_usec=max(m.last_usec for m in same), chain=chain if len(chain) > 1 else ())
    given = failure.given
    # (by rule, key and first hit: the given incident has the failure's unit, which joins_as may have renamed)
    own = failure.members.get(member_id(given)) or next(
        (m for m in members if (m.rule_id, m.key, m.first_usec) == (given.rule_id, given.key, given.first_usec)),
        given)
    count = sum(m.count for m in members if (m.rule_id, m.key) == (own.rule_id, own.key))  # each run's, a crash loop's
    severity = max(given.severity, *(m.severity for m in members)) if failure.raised else given.severity
    return replace(given, count=max(count, own.count), going_on=own.going_on, samples=own.samples, dropped=own.dropped,
                   last_usec=max(m.last_usec for m in members), chain=chain if len(chain) > 1 else (),
                   severity=severity)


def member_links(members: Iterable[Incident]) -> dict[tuple[str, str], Link]:
    """A link per (rule, template) of the members, in the order of their first hits: a crash loop's runs each fired
    the rule again (an incident per invocation), one link says so, from its first line, with their hits together
    and the latest run's last hit."""
    links: dict[tuple[str, str], Link] = {}
    for m in sorted(members, key=lambda member: member.first_usec):
        known = links.get((m.rule_id, m.template))
        links[(m.rule_id, m.template)] = Link(m.rule_id, m.severity, m.first_usec, m.count,
                                              m.samples[0][:MAX_SAMPLE_CHARS] if m.samples else "", m.cursor,
                                              last_usec=m.last_usec,
                                              message_usec=m.fired_usec if m.said_usec < 0 else m.said_usec) \
            if known is None else replace(known, severity=max(known.severity, m.severity), count=known.count + m.count,
                                          last_usec=max(known.last_usec, m.last_usec))
    return links
