"""journalctl's `short` text printed in another language: strftime's `%b` in the reader's LC_TIME (`4月 12`,
`Mär 12`, `мая 12`). Before sources/locale_months.py such a paste fell to the plain reader: no times, no units, no
`systemd[1]` or `kernel:` (helper D17: moby/moby#34091, pasted from a Chinese locale). The locales are built with
glibc's own localedef from its sources (Debian's `locales` package) and the text printed by the real journalctl."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import entry, json_events, of_type, run_cli

from logsentry.sources.locale_months import LOCALE_MONTHS, LOCALES

GLIBC_LOCALES = Path("/usr/share/i18n/locales")
BUILT = ("zh_CN", "ja_JP", "fr_FR", "ru_RU")
DAY = 86_400.0


def _glibc_abbreviations(name: str) -> list[list[str]]:
    """`abmon` (and `ab_alt_mon`) of a glibc locale source, following its `copy`."""
    text = (GLIBC_LOCALES / name).read_text(encoding="utf-8")
    section = re.search(r"^LC_TIME\n(.*?)^END LC_TIME", text, re.S | re.M)
    assert section is not None, name
    body = section.group(1).replace("/\n", "")
    found = [re.findall(r'"([^"]*)"', line.group(1)) for key in ("abmon", "ab_alt_mon")
             if (line := re.search(rf"^{key}\s+(.*)$", body, re.M))]
    if not found:
        copied = re.search(r'^copy\s+"([^"]+)"', body, re.M)
        assert copied is not None, name
        return _glibc_abbreviations(copied.group(1))
    return [[re.sub(r"<U([0-9A-Fa-f]{4,8})>", lambda code: chr(int(code.group(1), 16)), value) for value in values]
            for values in found]


def test_the_table_is_glibcs() -> None:
    """Every abbreviation of the listed locales is in the table with its month, and the table holds no other."""
    expected: dict[str, int] = {}
    for name in LOCALES:
        for values in _glibc_abbreviations(name):
            assert len(values) == 12, name
            for month, value in enumerate(values, start=1):
                if value not in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"):
                    assert expected.setdefault(value, month) == month, (name, value)
    assert expected == LOCALE_MONTHS


@pytest.fixture(scope="module")
def locale_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The BUILT locales, compiled by glibc's localedef into a directory of our own (LOCPATH)."""
    path = tmp_path_factory.mktemp("locales")
    for name in BUILT:
        subprocess.run(["localedef", "-i", name, "-f", "UTF-8", str(path / f"{name}.UTF-8")], check=True,
                       capture_output=True)
    return path


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Failures on days in every month of 2026: a unit's, PID 1's about it, and the kernel's."""
    from conftest import build_journal, export_bytes

    lines = []
    for month in range(12):
        at = month * 31 * DAY + 3 * 3600.0 + month  # 2026-01-01 + 31 days a month: a day in each month
        lines += [
            entry(f"FATAL: could not write to file \"pg_wal/xlogtemp.{month}\": No space left on device",
                  unit="postgresql.service", at=at, priority=3, SYSLOG_IDENTIFIER="postgres", _PID="4242"),
            entry("postgresql.service: Main process exited, code=killed, status=6/ABRT", unit="postgresql.service",
                  at=at + 1, priority=5, SYSLOG_IDENTIFIER="systemd", _PID="1"),
            entry(f"Out of memory: Killed process {4000 + month} (java) total-vm:8123456kB, anon-rss:6123456kB, "
                  "file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:12345kB oom_score_adj:0", unit=None, at=at + 2,
                  priority=3, SYSLOG_IDENTIFIER="kernel", _TRANSPORT="kernel"),
        ]
    path = tmp_path_factory.mktemp("journal") / "months.journal"
    return build_journal(export_bytes(lines), path)


def _printed(journal: Path, env: dict[str, str]) -> str:
    journalctl = shutil.which("journalctl") or "/usr/bin/journalctl"
    return subprocess.run([journalctl, "--file", str(journal), "-o", "short", "--no-pager"], capture_output=True,
                          text=True, check=True, env={**os.environ, **env}).stdout


def _read(tmp_path: Path, text: str, name: str) -> list[tuple[str, str, int]]:
    paste = tmp_path / name
    paste.write_text(text, encoding="utf-8")
    result = run_cli("scan", "--file", str(paste), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    assert "no log layout" not in result.stderr and "no time" not in result.stderr, result.stderr
    return [(m["rule"], m["unit"], m["realtime_usec"]) for m in of_type(json_events(result), "match")]


@pytest.mark.parametrize("name", BUILT)
def test_journalctl_in_another_language_reads_as_in_english(journal: Path, locale_path: Path, tmp_path: Path,
                                                           name: str) -> None:
    english = _printed(journal, {"LC_ALL": "C.UTF-8"})
    printed = _printed(journal, {"LOCPATH": str(locale_path), "LC_ALL": f"{name}.UTF-8"})
    assert printed != english  # the months are the locale's (journalctl did take the locale)
    expected = _read(tmp_path, english, "english.txt")
    assert len({rule for rule, _, _ in expected}) >= 3 and len({at // 10**6 // 86_400 for *_, at in expected}) == 12
    assert _read(tmp_path, printed, f"{name}.txt") == expected
