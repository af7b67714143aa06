"""Entries made by values.entry_from through logsentry._slots.SlotMaker (without Entry's slow frozen __init__) are the
Entries Entry(...) makes: every field, level_source as __post_init__ leaves it, still frozen. Read from a real
journal file written by systemd-journal-remote, by every reader that builds Entries with entry_from."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from logsentry._slots import SlotMaker
from logsentry.model import Entry, Screen
from logsentry.sources import Selection
from logsentry.sources.journal import JournalLocation, JournalSource
from logsentry.sources.journal_files import build_journal, export_entry
from logsentry.sources.screening import ScreeningJournalSource
from logsentry.sources.values import entry_from, with_fields

BASE = 1_764_547_200_000_000
ENTRY_FIELDS = tuple(field.name for field in dataclasses.fields(Entry))

CASES = [  # PRIORITY, MESSAGE, extra fields: every branch of entry_from's level and unit
    ("6", "plain line", {}),
    ("6", "level=error db gone", {}),
    ("3", "ERROR: disk full", {}),
    (None, "no priority, no level", {}),
    (None, "[WARN] no priority, a level", {}),
    ("x", "not a number", {}),
    ("٣", "arabic three", {}),
    ("7", "debug", {"_PID": "1", "UNIT": "other.service"}),
    ("2", "core dumped", {"_UID": "0", "MESSAGE_ID": "fc2e22bc6ee647b6b90729ab34a250b1",
                          "COREDUMP_UNIT": "crashed.service"}),
    ("5", "from no unit", {"_SYSTEMD_UNIT": None, "SYSLOG_IDENTIFIER": "cron"}),
]


def journal(tmp_path: Path) -> Path:
    records = []
    for index, (priority, message, extra) in enumerate(CASES):
        fields = {"__REALTIME_TIMESTAMP": str(BASE + index), "__MONOTONIC_TIMESTAMP": str(index + 1),
                                  "_BOOT_ID": "1" * 32, "_SYSTEMD_UNIT": "app.service", "MESSAGE": message,
                                  "_MACHINE_ID": "2" * 32, "_HOSTNAME": "web1"}
        if priority is not None:
            fields["PRIORITY"] = priority
        for name, value in extra.items():
            if value is None:
                del fields[name]
            else:
                fields[name] = value
        records.append(export_entry(fields))
    return build_journal(b"".join(records), tmp_path / "cases.journal")


def assert_as_init_makes(entry: Entry) -> None:
    """Entry's own __init__ and __post_init__, given the same fields, make an equal Entry."""
    assert type(entry) is Entry
    assert entry == dataclasses.replace(entry)  # replace() runs __init__ and __post_init__
    assert entry.level_source in ("journal", "text", "none")
    assert (entry.effective_priority is None) == (entry.level_source == "none")


@pytest.mark.parametrize("reader", ["scanner", "journal"])
def test_entries_equal_init_made(tmp_path: Path, reader: str) -> None:
    location = JournalLocation(files=(journal(tmp_path),))
    everything = Screen(literals=(), always=(None,))  # every entry a candidate: all come through entry_from
    source = (ScreeningJournalSource(location, Selection(), everything) if reader == "scanner"
              else JournalSource(location, Selection()))
    entries = [entry for entry in source if isinstance(entry, Entry)]
    assert [entry.message for entry in entries] == [message for _, message, _ in CASES]
    for entry in entries:
        assert_as_init_makes(entry)
    assert {entry.level_source for entry in entries} == {"journal", "text", "none"}
    assert [entry.unit for entry in entries][-3:] == ["other.service", "crashed.service", "(cron)"]


def test_entry_from_matches_entry_init() -> None:
    for priority, message, extra in CASES:
        fields = {"MESSAGE": message, "_SYSTEMD_UNIT": "app.service",
                  **({"PRIORITY": priority} if priority is not None else {}),
                  **{name: value for name, value in extra.items() if value is not None}}
        for found in (-2, -1, 3):
            made = entry_from(fields.get, BASE, "c", fields, found)
            assert_as_init_makes(made)
            with pytest.raises(dataclasses.FrozenInstanceError):
                made.message = "changed"  # type: ignore[misc]
            assert pickle.loads(pickle.dumps(made)) == made


def test_with_fields_equals_replace() -> None:
    """with_fields (the disowned entry, sources/follow.py) is dataclasses.replace(entry, fields=...) without
    __init__: every attribute the same, the level as the entry had it (a text level kept, not read again)."""
    for priority, message, extra in CASES:
        fields = {"MESSAGE": message, "_SYSTEMD_UNIT": "app.service", "_MACHINE_ID": "a" * 32,
                  **({"PRIORITY": priority} if priority is not None else {}),
                  **{name: value for name, value in extra.items() if value is not None}}
        made = entry_from(fields.get, BASE, "c", fields)
        fewer = {name: value for name, value in fields.items() if name != "_MACHINE_ID"}
        assert with_fields(made, fewer) == dataclasses.replace(made, fields=fewer)
        assert with_fields(made, fewer).machine_id == "" and made.machine_id == "a" * 32


def test_slot_maker_refuses_what_is_not_every_slot() -> None:
    for names in (ENTRY_FIELDS[:-1], (*ENTRY_FIELDS[:-1], ENTRY_FIELDS[0]), ("nope", *ENTRY_FIELDS[1:]),
                  (*ENTRY_FIELDS, "extra")):
        with pytest.raises(ValueError):
            SlotMaker(Entry, names)

    class Plain:
        pass

    with pytest.raises(TypeError):
        SlotMaker(Plain, ())
    maker = SlotMaker(Entry, ENTRY_FIELDS)
    with pytest.raises(TypeError):
        maker(1, "too few")

    @dataclasses.dataclass(frozen=True, slots=True)
    class Other:
        a: object
        b: object

    with pytest.raises(ValueError):
        maker.__init__(Other, ("a", "a"))  # type: ignore[misc]  # refused: the maker still makes Entries
    values = [f"value {index}" for index in range(len(ENTRY_FIELDS))]
    made = maker(*values)
    assert type(made) is Entry and [getattr(made, name) for name in ENTRY_FIELDS] == values
