"""systemd-pid1-crashed: the service manager caught a fatal signal and froze (systemd/systemd#15356: "Caught <SEGV>,
dumped core as pid 9102." then "Freezing execution."): nothing matched it, while no unit can start or restart from
then on. Real journal files, and the pasted journalctl lines of that report."""

from __future__ import annotations

from pathlib import Path

from conftest import entry, json_events, of_type, run_cli


def _incidents(path: Path) -> list[str]:
    result = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return [i["severity"] for i in of_type(json_events(result), "incident") if i["rule"] == "systemd-pid1-crashed"]


def _pid1(message: str, at: float) -> dict:  # type: ignore[type-arg]
    return entry(message, unit=None, at=at, priority=0, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd")


def test_pid1_catching_a_signal_is_critical(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [entry("Due to PID 1 having crashed coredump collection will now be turned off.", unit=None, at=0,
                   priority=3, SYSLOG_IDENTIFIER="systemd-coredump", _PID="9103"),
             _pid1("Caught <SEGV>, dumped core as pid 9102.", 0.1),
             _pid1("Freezing execution.", 0.2)]
    assert _incidents(make_journal(lines)) == ["critical"]


def test_another_process_saying_it_is_no_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [entry("Caught <SEGV>, dumped core as pid 9102.", unit="chat.service", at=0)]
    assert _incidents(make_journal(lines)) == []


def test_the_pasted_report(tmp_path: Path) -> None:
    paste = tmp_path / "journal.txt"
    paste.write_text(
        "Apr 07 17:03:33 localhost.localdomain systemd-coredump[9103]: Due to PID 1 having crashed coredump "
        "collection will now be turned off.\n"
        "Apr 07 17:03:33 localhost.localdomain systemd[1]: Caught <SEGV>, dumped core as pid 9102.\n"
        "Apr 07 17:03:33 localhost.localdomain systemd[1]: Freezing execution.\n")
    assert _incidents(paste) == ["critical"]
