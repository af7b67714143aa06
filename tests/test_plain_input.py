"""Text whose lines carry no time (sources/plain.py): `docker logs`/`kubectl logs` without timestamps,
`journalctl -o cat`, a trace pasted into a bug report. It was refused, so the signatures naming its failure
never ran; now each line is an entry at the file's time (now, on stdin), in order, and a warning says so."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries

# `kubectl logs` of a Go service that died (runtime/panic.go and runtime/traceback.go's wording)
GO_CRASH = """listening on :8080
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b4e2a]

goroutine 1 [running]:
main.(*Server).handle(0x0, {0x7f0c3c, 0x5})
\t/src/server.go:42 +0x2a
main.main()
\t/src/main.go:17 +0x85
"""


def test_a_pasted_go_crash_is_read_and_its_signature_fires(tmp_path: Path) -> None:
    path = tmp_path / "api-crash.txt"
    path.write_text(GO_CRASH)
    stamp = 1_795_000_000
    os.utime(path, (stamp, stamp))
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message for e in entries] == [line for line in GO_CRASH.splitlines() if line]  # a line each, in order
    assert {e.realtime_usec for e in entries} == {stamp * 1_000_000} and {e.unit for e in entries} == {"(api-crash)"}
    result = run_cli("scan", "--file", str(path), "-o", "json", "--fail-on", "error")
    assert result.exit_code == 3, result.output
    assert "go-nil-pointer-panic" in {i["rule"] for i in of_type(json_events(result), "incident")}
    assert "each line is read as logged at the file's time" in result.stderr
    assert "kubectl logs --timestamps" in result.stderr


def test_standard_input_is_read_at_the_time_it_is_read() -> None:
    result = run_cli("scan", "--file", "-", "-o", "json", input=GO_CRASH.encode())
    assert result.exit_code == 0, result.output
    assert "go-nil-pointer-panic" in {i["rule"] for i in of_type(json_events(result), "incident")}
    assert "read as logged at now (standard input has no file time)" in result.stderr


def test_binary_is_still_refused_with_the_formats_named(tmp_path: Path) -> None:
    path = tmp_path / "core"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    result = run_cli("scan", "--file", str(path))
    assert result.exit_code == 2 and "binary data (a NUL byte at offset 7), not a log" in result.stderr
    assert "logsentry reads journal files, journalctl's exports (-o export, -o json, gzip or not) and text logs" \
        in result.stderr, result.stderr
