"""A BuildKit build's plain progress output (`docker build --progress=plain`, buildx, buildctl) is read as a build's:
its `#N ` step prefixes and a log line's seconds (since its step began, no clock) are no part of the program's words,
the lines are `docker-build`'s, not the file's, the reader says so in one sentence, and a failed step is an
error-level card (docker-build-failed), not a warning (a new user's trial: every line at the file's time, a long
warning, the unit named after the file). Wordings: moby/buildkit util/progress/progressui (printer.go, display.go)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import run_cli

from logsentry.sources import Selection, open_entries
from logsentry.sources.plain import BUILD_IDENT

BUILD = """\
#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 312B done
#1 DONE 0.0s

#6 [2/5] WORKDIR /app
#6 CACHED

#8 [4/5] RUN pip install --no-cache-dir -r requirements.txt
#8 1.532 Collecting flask==2.3.3
#8 3.120 ERROR: Could not find a version that satisfies the requirement nosuchpkg==9.9 (from versions: none)
#8 13.21 ERROR: No matching distribution found for nosuchpkg==9.9
#8 ERROR: process "/bin/sh -c pip install --no-cache-dir -r requirements.txt" did not complete successfully: \
exit code: 1
------
 > [4/5] RUN pip install --no-cache-dir -r requirements.txt:
1.532 Collecting flask==2.3.3
13.21 ERROR: No matching distribution found for nosuchpkg==9.9
------
Dockerfile:4
--------------------
   4 | >>> RUN pip install --no-cache-dir -r requirements.txt
--------------------
ERROR: failed to solve: process "/bin/sh -c pip install --no-cache-dir -r requirements.txt" did not complete \
successfully: exit code: 1
"""


def _build(tmp_path: Path) -> Path:
    path = tmp_path / "build.log"
    path.write_text(BUILD)
    os.utime(path, (1765100000, 1765100000))
    return path


def test_a_builds_lines_are_its_programs_words_in_order(tmp_path: Path) -> None:
    entries = list(open_entries(Selection(), files=[_build(tmp_path)]))
    assert {entry.unit for entry in entries} == {f"({BUILD_IDENT})"}
    assert {entry.realtime_usec for entry in entries} == {1765100000_000000}  # no clock: the file's time, in order
    messages = [entry.message for entry in entries]
    assert messages[:4] == ['building with "default" instance using docker driver',
                            "[internal] load build definition from Dockerfile", "transferring dockerfile: 312B done",
                            "DONE 0.0s"], messages
    assert "Collecting flask==2.3.3" in messages and "ERROR: No matching distribution found for nosuchpkg==9.9" in \
        messages and not any(message.startswith(("#", "1.532", "13.21")) for message in messages), messages
    assert " > [4/5] RUN pip install --no-cache-dir -r requirements.txt:" in messages  # (the failed logs' heading)
    assert "   4 | >>> RUN pip install --no-cache-dir -r requirements.txt" in messages


def test_a_failed_build_is_an_error_card_of_the_build(tmp_path: Path) -> None:
    done = run_cli("scan", "--file", str(_build(tmp_path)), "-o", "json")
    incidents = [(record["rule"], record["severity"], record["unit"]) for record in map(json.loads,
                 done.stdout.splitlines()) if record["type"] == "incident"]
    assert incidents == [("docker-build-failed", "error", f"({BUILD_IDENT})")], done.stdout
    [warning] = [line for line in done.stderr.splitlines() if "warning" in line]
    said = warning.split(".log: ", 1)[1]  # (the plain text's note, of 430 characters, said the wrong thing)
    assert said.startswith("a BuildKit build's output") and len(said) < 250, warning


def test_plain_text_with_a_hash_and_a_number_is_no_build(tmp_path: Path) -> None:
    path = tmp_path / "notes.log"
    path.write_text("#1 reason the worker stopped: disk full\nworker stopped\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [(entry.unit, entry.message) for entry in entries] == [
        ("(notes)", "#1 reason the worker stopped: disk full"), ("(notes)", "worker stopped")]
