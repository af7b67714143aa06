"""PID 1's own output pasted without times or its tag (trial 72's 22: `oomtest.service: A process of this unit has
been killed by the OOM killer.`, `oomtest.service: Failed with result 'oom-kill'.`): half the head's lines or more
led by a unit's name, one of them PID 1's exact wording, and those lines are systemd's, so its rules judge them (read
as the file's, one excerpt warning did not name the OOM kill). A program's log quoting one such line stays its own."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries
from logsentry.sources.manager_paste import manager_output

OOM = """oomtest.service: A process of this unit has been killed by the OOM killer.
oomtest.service: Changed running -> stop-sigterm
Received SIGCHLD from PID 263 (sleep).
Child 263 (sleep) died (code=killed, status=9/KILL)
oomtest.service: Main process exited, code=killed, status=9/KILL
oomtest.service: Failed with result 'oom-kill'.
"""


def test_pid1s_output_without_its_tag_is_systemds(tmp_path: Path) -> None:
    path = tmp_path / "oom.txt"
    path.write_text(OOM)
    entries = list(open_entries(Selection(), files=[path]))
    assert [entry.unit for entry in entries] == ["(oomtest.service)", "(oomtest.service)", "(oom)", "(oom)",
                                                 "(oomtest.service)", "(oomtest.service)"]
    assert entries[0].fields["_PID"] == "1" and entries[0].from_text
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert [incident["rule"] for incident in of_type(json_events(result), "incident")] == ["systemd-unit-oom-killed"]
    assert "PID 1's output without times" in result.stderr


def test_a_programs_log_quoting_pid1s_words_is_its_own(tmp_path: Path) -> None:
    quoting = ("deploy: stopping web\nweb.service: Failed with result 'exit-code'.\ndeploy: retrying in 5s\n"
               "deploy: giving up\n")
    own_words = "api.service: listening on :8080\napi.service: ready\n"
    for text in (quoting, own_words):
        assert not manager_output(text.encode()), text
        path = tmp_path / "deploy.log"
        path.write_text(text)
        assert all(entry.fields.get("_PID") != "1" for entry in open_entries(Selection(), files=[path])), text
