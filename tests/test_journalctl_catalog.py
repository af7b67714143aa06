"""`journalctl -xe` pasted: the message catalog's explanation lines are journalctl's, skipped, not a reason to refuse.

systemd's own errors end with "See 'systemctl status X' and 'journalctl -xeu X' for details", so `-x` output is
what people paste. Its catalog lines (`░░ Subject: Unit failed`, `-- Subject: ...` outside a UTF-8 locale) made
the whole paste "not ... journalctl/syslog text". Here the real journalctl prints them, from a catalog database it
builds itself (`--update-catalog`) out of systemd's own catalog, for a journal written by systemd-journal-remote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli

JOURNALCTL = shutil.which("journalctl") or "/usr/bin/journalctl"
CATALOG = Path("/usr/lib/systemd/catalog/systemd.catalog")
UNIT_FAILED = "d9b373ed55a64feb8242e02dbe79a49c"  # SD_MESSAGE_UNIT_FAILED (systemd's sd-messages.h)
JOB_FAILED = "be02cf6855d2428ba40df7e9d022f03d"  # SD_MESSAGE_UNIT_FAILURE_RESULT: a start job failed


def _pid1(message: str, at: float, **fields: Any) -> dict[str, Any]:
    return entry(message, unit="init.scope", at=at, priority=3, _PID="1", UNIT="shop.service",
                 SYSLOG_IDENTIFIER="systemd", _HOSTNAME="web1", **fields)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root for `journalctl --root`: the journal, and a catalog database built from systemd's catalog."""
    from logsentry.sources.journal_files import build_journal, export_bytes

    top = tmp_path_factory.mktemp("catalog")
    (top / "usr/lib/systemd/catalog").mkdir(parents=True)
    shutil.copy(CATALOG, top / "usr/lib/systemd/catalog/systemd.catalog")
    subprocess.run([JOURNALCTL, f"--root={top}", "--update-catalog"], check=True, capture_output=True)
    (top / "var/log/journal").mkdir(parents=True)
    entries = [
        entry("2026-01-01 00:00:00,301 ERROR [main] Failed to connect to db.internal:5432: Connection refused",
              unit="shop.service", at=0, priority=6, _PID="812", _HOSTNAME="web1"),
        _pid1("shop.service: Main process exited, code=exited, status=1/FAILURE", 0.1),
        _pid1("shop.service: Failed with result 'exit-code'.", 0.2, MESSAGE_ID=UNIT_FAILED, UNIT_RESULT="exit-code"),
        _pid1("shop.service: Start request repeated too quickly.", 0.3),
        _pid1("Failed to start shop.service - Shop.", 0.4, MESSAGE_ID=JOB_FAILED, JOB_TYPE="start",
              JOB_RESULT="failed", JOB_ID="1234"),
    ]
    build_journal(export_bytes(entries), top / "var/log/journal/system.journal")
    return top


def _scan(root: Path, tmp_path: Path, lang: str, *options: str) -> tuple[str, list[dict[str, Any]]]:
    printed = subprocess.run([JOURNALCTL, f"--root={root}", "--no-pager", *options], capture_output=True, text=True,
                             check=True, env={**os.environ, "LANG": lang, "LC_ALL": lang}).stdout
    paste = tmp_path / f"paste-{lang}-{'-'.join(options)}.txt"
    paste.write_text(printed)
    last = BASE_USEC // 1_000_000 + 10
    os.utime(paste, (last, last))  # short has no year: the file's time gives it
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert result.exit_code == 0, result.output
    return printed, of_type(json_events(result), "match")


@pytest.mark.parametrize(("lang", "prefix"), [("C.UTF-8", "\u2591\u2591 "), ("C", "-- ")])
def test_journalctl_x_reads_as_journalctl_without_it(root: Path, tmp_path: Path, lang: str, prefix: str) -> None:
    explained, with_catalog = _scan(root, tmp_path, lang, "-x")
    assert f"{prefix}Subject: Unit failed" in explained  # the catalog was printed: the test can fail
    assert f"{prefix}The job identifier is 1234" in explained
    _, plain = _scan(root, tmp_path, lang)
    rules = [m["rule"] for m in plain]
    assert {"systemd-unit-failed", "systemd-start-limit-hit"} <= set(rules)
    assert [(m["rule"], m["message"]) for m in with_catalog] == [(m["rule"], m["message"]) for m in plain]
    assert not any("Subject" in m["message"] or "identifier is" in m["message"] for m in with_catalog)
