"""What is not a silence, and what a silence was: systemd's own lines saying a unit stops or finished on purpose
(engine/absence.py then neither watches it nor learns the time until it logs again), and the Gap a silence
leaves, with its real length (µs of journal time)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Entry, host_unit, split_host_unit
from ..sources.selection import container_of

# systemd's own lines (from PID 1, about the unit) that say it stops or finished on purpose.
UNIT_STOPPING = "de5b426a63be47a7b6ac3eaac82e2f6f"  # "Stopping X..."
UNIT_STOPPED = "9d1aaa27d60140bd96365438aad20286"  # "Stopped X." (also "Stopped X with error.")
UNIT_SUCCESS = "7ad2d189f7e94e70a38c781354912448"  # "X: Deactivated successfully."
UNIT_STARTED = "39f53479d3a045ac8e11786248231fbf"  # "Started X.", and "Finished X." for a oneshot service
DELIBERATE_STOP_IDS = frozenset({UNIT_STOPPING, UNIT_STOPPED, UNIT_SUCCESS})
UNIT_RESOURCES = "ae8f7b866b0347b9af31fe1c80b127c0"  # "X: Consumed 1min 2.345s CPU time." (and memory, IO...)


def deliberately_stopped(entry: Entry) -> bool:
    """systemd's own line saying the unit is being stopped, was stopped, or finished cleanly. Matched by
    MESSAGE_ID and by the wording too (systemd before 240 wrote these lines without MESSAGE_ID)."""
    fields = entry.fields
    if fields.get("_PID") != "1":
        return False
    if fields.get("MESSAGE_ID") in DELIBERATE_STOP_IDS:
        return True
    message = entry.message
    return message.endswith(": Deactivated successfully.") or message.startswith(("Stopped ", "Stopping ")) or (
        message.startswith("Finished ") and fields.get("MESSAGE_ID", UNIT_STARTED) == UNIT_STARTED)


def run_accounting(entry: Entry) -> bool:
    """systemd's account of a unit's run that just ended ("X: Consumed 41.2s CPU time.", src/core/unit.c
    unit_log_resources), written after "Stopped X." or "Finished X.": the unit's epitaph, no sign that it lives.
    By MESSAGE_ID, or by its wording when the line came without one (a syslog file's); systemd 255 goes on after
    "CPU time" (", 12.5M memory peak.")."""
    fields = entry.fields
    if fields.get("_PID") != "1":
        return False
    if "MESSAGE_ID" in fields:
        return fields["MESSAGE_ID"] == UNIT_RESOURCES
    message = entry.message
    return ": Consumed " in message and " CPU time" in message


@dataclass(frozen=True)
class Gap:
    """A silence with its real length: from the unit's last entry before it to its next one (or to the end
    of the input, `open`). `expected_gap_usec` is the unit's mean gap as learnt before it."""

    rule_id: str
    unit: str
    host: str
    from_usec: int
    to_usec: int
    expected_gap_usec: int
    threshold_usec: int
    open: bool = False
    machine_id: str = ""


def container_parent(key: str) -> str | None:
    """The key (model.host_unit) of the unit whose container a key is (`M/docker.service/web`: `M/docker.service`,
    sources/selection.subject_unit), else None. systemd's stop lines name the unit only: stopping docker.service
    stops every container, which then fall silent on purpose."""
    machine, unit = split_host_unit(key)
    container = container_of(unit)
    return None if container is None else host_unit(machine, container[0])


def containers_of(parent: str, keys: Iterable[str]) -> list[str]:
    """The keys among `keys` of the containers of unit `parent` (a host_unit key)."""
    mark = f"{split_host_unit(parent)[1]}/"
    return [key for key in keys if mark in key and container_parent(key) == parent]
