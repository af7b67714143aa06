"""Cards of one cause on many units, and of one rule firing again and again on one unit: the scan report shows the
first and names the others in it.

A user manager out of tasks fails every unit it starts in the same second, each with PID 1's same words
(`app-kmix@autostart.service: Failed with result 'resources'.`): trial 68's Plasma login was 25 cards, 18 of them
that line with another unit's name. The report shows one card and, in it, "the same on N more units". A long log's
rule that fires on one unit every few hours (trial 69's Tomcat LockOutRealm: 8 waves of password guessing, 8 cards;
trial 70's MySQL that aborts at each of 5 boots) is one card with "again N times" and their times. Each is still its
own incident in `-o json`, in alerts and in the tally (views/incident_tally.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model import Action, Incident
from ..sources.last_lines import Said
from .unit_label import own_name

SAME_CAUSE_USEC = 10_000_000
"""Incidents that began at most this long (µs of journal time) after the group's first are one cause's."""
MIN_GROUP = 3
"""Fewer cards than this stay cards: two units failing alike can be two failures."""
MIN_AGAIN = 3
"""Incidents of one rule, key and severity on one unit, with the same actions, from this many on are one card (two
stay two: a failure and its return read as such)."""


@dataclass(frozen=True)
class CardGroup:
    """A card to show (`lead`) and the incidents it stands for besides itself (`others`, in time order)."""

    lead: Incident
    others: tuple[Incident, ...] = ()
    again: tuple[Incident, ...] = ()
    """The same rule's later incidents on the lead's unit, with its key and severity (in time order)."""


def _without(text: str, name: str) -> str:
    """`text` with the unit's name taken out (PID 1 writes `UNIT: ...`, and the systemd rules key by the unit it
    names): the same words of another unit compare equal."""
    return text.replace(name, "\0") if name else text


def said_words(said: Said) -> tuple[str, ...]:
    """A failure's program's last lines as a card shows them, but for their times (`told` of card_groups): two
    units' programs that said the same are alike, one that said otherwise is not."""
    before = () if said.before_start is None else (said.before_start[1],)
    return (*before, *(message for _, message in said.lines), "\0", *(message for _, message in said.after))


def _kinds(incident: Incident, actions_for: Callable[[Incident], list[Action]]) -> tuple[str, ...]:
    """The kinds of the actions done for an incident, in one order: cards of one group did the same."""
    return tuple(sorted(action.kind for action in actions_for(incident)))


def _shape(incident: Incident, kinds: tuple[str, ...], told: object) -> tuple[object, ...] | None:
    """What incidents of one cause share (their chains' rules and lines too: the card shows the first's chain; and
    what else the card tells, `told`), or None for one with no line."""
    if not incident.samples:
        return None
    name = own_name(incident.unit)
    return (incident.machine_id, incident.rule_id, incident.severity, _without(incident.key, name),
            _without(incident.samples[0], name), kinds,
            tuple((link.rule_id, _without(link.message, name)) for link in incident.chain), told)


def card_groups(incidents: Sequence[Incident], actions_for: Callable[[Incident], list[Action]],
                is_silence: Callable[[Incident], bool],
                told: Callable[[Incident], object] = lambda _: ()) -> list[CardGroup]:
    """The report's cards, in the order of `incidents` (time order): incidents of the same rule, severity and host
    whose keys, first lines and chains' lines say the same words but for their unit's name, with the same actions
    done and the same `told` (what else a card tells of one, hashable: how its main process ended, its program's
    last lines), beginning within SAME_CAUSE_USEC of the first of them, are one card when there are MIN_GROUP or
    more. A unit whose main process exited 203/EXEC beside two that exited 1, each 'Failed with result
    'exit-code'.', is a card of its own: the group's card told only the first's exit."""
    groups: list[list[tuple[int, Incident]]] = []
    open_by_shape: dict[tuple[object, ...], list[tuple[int, Incident]]] = {}
    for at, incident in enumerate(incidents):
        shape = None if is_silence(incident) else _shape(
            incident, _kinds(incident, actions_for), told(incident))
        group = open_by_shape.get(shape) if shape is not None else None
        if group is not None and incident.first_usec - group[0][1].first_usec <= SAME_CAUSE_USEC \
                and incident.unit not in {member.unit for _, member in group}:
            group.append((at, incident))
            continue
        groups.append(group := [(at, incident)])
        if shape is not None:
            open_by_shape[shape] = group
    placed: list[tuple[int, CardGroup]] = []  # a group where its first incident was, the others where each was
    for group in groups:
        if len(group) >= MIN_GROUP:
            placed.append((group[0][0], CardGroup(group[0][1], tuple(member for _, member in group[1:]))))
        else:
            placed.extend((at, CardGroup(member)) for at, member in group)
    placed.sort(key=lambda pair: pair[0])
    return _again(placed, actions_for, is_silence)


def _again(placed: list[tuple[int, CardGroup]], actions_for: Callable[[Incident], list[Action]],
           is_silence: Callable[[Incident], bool]) -> list[CardGroup]:
    """The cards, those of one rule, key and severity on one unit with the same actions (MIN_AGAIN or more, each a
    card of its own) as one: the first, the others its `again`. A silence is no card's again (each tells its own
    span), nor one that stands for several units."""
    repeats: dict[tuple[object, ...], list[int]] = {}
    for index, (_, card) in enumerate(placed):
        lead = card.lead
        if not card.others and not is_silence(lead):
            shape = (lead.machine_id, lead.unit, lead.rule_id, lead.key, lead.severity,
                     _kinds(lead, actions_for))
            repeats.setdefault(shape, []).append(index)
    folded: dict[int, tuple[Incident, ...]] = {}
    gone: set[int] = set()
    for indexes in repeats.values():
        if len(indexes) >= MIN_AGAIN:
            folded[indexes[0]] = tuple(placed[index][1].lead for index in indexes[1:])
            gone.update(indexes[1:])
    return [CardGroup(card.lead, card.others, folded.get(index, ())) for index, (_, card) in enumerate(placed)
            if index not in gone]
