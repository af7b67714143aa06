"""systemd-journal-remote stops at an entry it cannot parse (a negative __MONOTONIC_TIMESTAMP: "Numerical result out
of range"), drops the rest of the stream and still exits 0 ("Finishing after writing 1 entries"): a test's journal
built from such entries was empty or cut short, and every test on it passed on what was left (helper-260's trial 77
journals of lines before BASE_USEC). build_journal says so. The real tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from logsentry.sources.journal_files import JournalBuildError, build_journal

BOOT = "0123456789abcdef0123456789abcdef"


def export(monotonic: list[int]) -> bytes:
    return b"".join(f"__REALTIME_TIMESTAMP={1_700_000_000_000_000 + n}\n__MONOTONIC_TIMESTAMP={value}\n"
                    f"_BOOT_ID={BOOT}\nMESSAGE=line {n}\n\n".encode() for n, value in enumerate(monotonic))


def test_a_journal_missing_entries_of_its_export_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(JournalBuildError, match=r"wrote 0 of the export's 1 entries: .*MONOTONIC"):
        build_journal(export([-5]), tmp_path / "a.journal")
    with pytest.raises(JournalBuildError, match=r"wrote 1 of the export's 3 entries"):
        build_journal(export([1, -5, 3]), tmp_path / "b.journal")
    assert build_journal(export([1, 2, 3]), tmp_path / "c.journal").stat().st_size > 0
