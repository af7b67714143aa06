"""Journal field values as text, the same way for every source."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields as dataclass_fields

from .._slots import SlotMaker
from ..engine.app_levels import kernel_level
from ..engine.levels import DOCKER_STDERR, STDERR_UNLEVELLED, TEXT_DEFAULT
from ..model import Entry
from ._journalscan import text_level as text_level_of_bytes
from .cron_output import job_output
from .selection import container_of, subject_unit

NOT_LOOKED = -2
"""A source's `found_level` when it has not read the text's level (entry_from reads it then)."""

_make_entry = SlotMaker(Entry, tuple(field.name for field in dataclass_fields(Entry)))
"""Entry(*values) without its __init__: a frozen dataclass's sets each field through object.__setattr__,
about 3.5 us of the ~4 a candidate cost the live follower (_slots.c SlotMaker: 0.3). entry_from gives
every field, level_source included, as __post_init__ would leave them (tests/test_entry_maker.py)."""


def decode(value: bytes | list[bytes]) -> str:
    """Journal values are bytes, usually but not always UTF-8 (MESSAGE may be anything); a field that an
    entry carries several times comes as a list and is joined with newlines."""
    if isinstance(value, list):
        value = b"\n".join(value)
    return value.decode("utf-8", "replace")


def priority_of(text: str | None) -> int | None:
    """PRIORITY as a number, when it is ASCII digits (int() also takes "٣", and chokes on "²")."""
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def entry_from(get: Callable[[str], str | None], realtime_usec: int, cursor: str, fields: Mapping[str, str],
               found_level: int = NOT_LOOKED, docker_stream: bool = False,
               clock_jump: tuple[int, int] | None = None, ceiling: int | None = None) -> Entry:
    """The Entry every source makes from an entry's fields as text (`get`), whatever it read them from.

    A PRIORITY of DOCKER_STDERR is a stream's default, not the program's level, for a container's line in the
    journal (Docker's journald driver: subject `docker.service/NAME`) and for a line of a Docker json-file or CRI
    log (`docker_stream`, sources/text.py): the text's level counts there as at 6, and a line that names none is
    STDERR_UNLEVELLED, level_source "stream" (levels.effective_priority).

    `found_level` is the level of the text when the source read it already (the scanner does, in C:
    0..7, or -1 for none); its effective priority is then not worked out again. Otherwise it is read here
    with the same C function (sources/levels.h: ~0.1 us a line, against ~1-2 us for engine/levels.py, the
    reference it is tested to agree with, tests/test_levels.py). A text's level worse than `ceiling` is read as
    `ceiling` (a program's log: an exception line under a WARN record, sources/applog_records.py)."""
    message = get("MESSAGE") or ""
    if message[:1] == "(" and (job := job_output(get("SYSLOG_IDENTIFIER"), message)) is not None:
        message, found_level = job, NOT_LOOKED  # a cron job's own line: its words and level (cron_output.py)
    priority = priority_of(get("PRIORITY"))
    unit = subject_unit(get)
    if priority is None and get("_TRANSPORT") == "kernel" and (level := kernel_level(message)) is not None:
        # (DRM's `*ERROR*` in a dmesg or syslog paste: engine/app_levels.kernel_level)
        return _make_entry(realtime_usec, message, unit, priority, cursor, fields, False, level, "text", False,
                           clock_jump, False)
    if (priority is None and get("_TRANSPORT") != "kernel") or priority == TEXT_DEFAULT or (
            priority == DOCKER_STDERR and (docker_stream or container_of(unit) is not None)):
        if found_level == NOT_LOOKED:
            level = text_level_of_bytes(message.encode("utf-8", "surrogatepass"))
        else:
            level = None if found_level < 0 else found_level
        if level is not None:
            return _make_entry(realtime_usec, message, unit, priority, cursor, fields, False,
                               level if ceiling is None else max(level, ceiling), "text", False, clock_jump, False)
        if priority == DOCKER_STDERR:  # a container's stderr line that names no level
            return _make_entry(realtime_usec, message, unit, priority, cursor, fields, False, STDERR_UNLEVELLED,
                               "stream", False, clock_jump, False)
    return _make_entry(realtime_usec, message, unit, priority, cursor, fields, False, priority,
                       "journal" if priority is not None else "none", False, clock_jump, False)


def with_fields(entry: Entry, fields: Mapping[str, str]) -> Entry:
    """`entry` with other `fields` and everything else as it is: dataclasses.replace() runs __init__ and
    __post_init__ again (a tenth of the live follower's time when a file disowns every entry's claim)."""
    return _make_entry(entry.realtime_usec, entry.message, entry.unit, entry.priority, entry.cursor, fields,
                       entry.screened_out, entry.effective_priority, entry.level_source, entry.from_text,
                       entry.clock_jump, entry.recurring)

