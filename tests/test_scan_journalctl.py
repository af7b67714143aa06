"""`scan`'s report and its `-o json` incident records carry the journalctl command an alert gives (F9's finding:
only alerts, `incidents` and the HTML cards had one). Run as printed, from another directory, on journal files
built by systemd-journal-remote, each command shows its incident's lines and no other host's; a dump, which
journalctl cannot read, gets no command (and the report says why)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import LOCAL_MACHINE, entry, json_events, of_type, run_cli, simple_rule

from logsentry.sources.journal_files import export_bytes

OTHER = "0123456789abcdef0123456789abcdef"
"""Another host's _MACHINE_ID, in the same journal (a collector's)."""


def _entries() -> list[dict[str, Any]]:
    """api.service failing on this host and on web-7, each with lines around its hits, db.service in between."""
    here = [entry("api starting", at=1), entry("BOOM one", at=3, unit="api.service"),
            entry("api retrying", at=3.5, unit="api.service"), entry("BOOM two", at=4, unit="api.service"),
            entry("BOOM on db", at=4.2, unit="db.service"), entry("BOOM three", at=5, unit="api.service"),
            entry("api gave up", at=40, unit="api.service")]
    there = [entry(f"BOOM web-7 {n}", at=4.5 + n, unit="api.service", _MACHINE_ID=OTHER, _HOSTNAME="web-7")
             for n in range(3)]
    return sorted(here + there, key=lambda fields: int(fields["__REALTIME_TIMESTAMP"]))  # type: ignore[arg-type]


EXPECTED = {LOCAL_MACHINE: ["BOOM one", "api retrying", "BOOM two", "BOOM three"],
            OTHER: ["BOOM web-7 0", "BOOM web-7 1", "BOOM web-7 2"]}
"""Each incident's lines as journalctl shows them: its unit's, on its host, from its first hit to its last."""


def _shown(command: str, cwd: Path) -> list[str]:
    done = subprocess.run(["sh", "-c", f"{command} -o cat --no-pager"], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout.splitlines()


def _report_commands(report: str) -> list[str]:
    """The report's commands as printed ("its lines: " dropped), continuation lines included."""
    commands, lines = [], report.splitlines()
    for at, line in enumerate(lines):
        if line.startswith("its lines: "):
            end = at
            while lines[end].endswith(" \\"):
                end += 1
            commands.append("\n".join([line.removeprefix("its lines: "), *lines[at + 1:end + 1]]))
    return commands


def test_the_reports_commands_show_each_incidents_lines(make_journal: Callable[..., Path], tmp_path: Path,
                                                       write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(count=3))
    directory = tmp_path / "remote"
    directory.mkdir()
    journal = make_journal(_entries(), name=str(directory / "remote-a.journal"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for where in (["-D", str(directory)], ["--file", str(journal)]):
        done = run_cli("scan", *where, "--rules", str(rules_dir), "--no-shipped-rules")
        assert done.exit_code == 0, done.output
        commands = _report_commands(done.stdout)
        assert len(commands) == 2, done.stdout
        assert all(f"{where[0]} {where[1]}" in command for command in commands)
        # pasted into a shell as printed, continuation lines and all, from another directory
        assert sorted(_shown(command, elsewhere) for command in commands) == sorted(EXPECTED.values())


def test_the_json_incident_records_carry_the_command(make_journal: Callable[..., Path], tmp_path: Path,
                                                     write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(count=3))
    journal = make_journal(_entries())
    done = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    report = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules")
    printed = {" ".join(command.replace("\\\n", " ").split()) for command in _report_commands(report.stdout)}
    for kind in ("incident", "incident_end"):
        records = of_type(events, kind)
        assert len(records) == 2
        for record in records:
            command = record["journalctl"]
            assert command.startswith(f"journalctl --file {journal} _MACHINE_ID={record['machine_id']} ")
            assert _shown(command, tmp_path) == EXPECTED[record["machine_id"]]
            if kind == "incident_end":
                assert command in printed  # the report's, over the incident's whole span


def test_a_dump_gets_no_command(make_journal: Callable[..., Path], tmp_path: Path,
                                write_rule: Callable[..., Path], rules_dir: Path) -> None:
    """journalctl reads journal files only: `--file dump.export` in a command fails, and a command over the journal
    files of a scan that also read a dump would miss the dump's lines."""
    write_rule("boom", simple_rule(count=3))
    dump = tmp_path / "web-7.export"
    dump.write_bytes(export_bytes(_entries()))
    journal = make_journal([entry("api starting", at=0)])
    for inputs in (["--file", str(dump)], ["--file", str(journal), "--file", str(dump)], ["--file", "-"]):
        stdin = dump.read_bytes() if "-" in inputs else None
        done = run_cli("scan", *inputs, "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json", input=stdin)
        assert done.exit_code == 0, done.output
        records = of_type(json_events(done), "incident") + of_type(json_events(done), "incident_end")
        assert len(records) == 4 and all(record["journalctl"] == "" for record in records), inputs
        report = run_cli("scan", *inputs, "--rules", str(rules_dir), "--no-shipped-rules", input=stdin)
        assert "its lines:" not in report.stdout
        assert "No journalctl command for the incidents: " in " ".join(report.stdout.split())
    page = tmp_path / "r.html"
    assert run_cli("scan", "--file", str(dump), "--rules", str(rules_dir), "--no-shipped-rules",
                   "--html", str(page)).exit_code == 0
    assert "BOOM one" in page.read_text() and "all its lines:" not in page.read_text()


def test_the_command_is_one_shell_command_whatever_the_width() -> None:
    """Broken between arguments to fit, an option kept with its value, quoting kept: the lines pasted into a
    shell are the one command."""
    from logsentry.views.report import command_lines

    command = shlex.join(["journalctl", "-D", "/srv/a b", f"_MACHINE_ID={OTHER}", "-u", "api.service",
                          "--since", "@1767225603.5", "--until", "@1767225607"])
    for width in (50, 64, 80, 200):
        lines = command_lines(command, width)
        assert all(len(line) <= width for line in lines), (width, lines)
        assert (len(lines) == 1) == (width == 200), (width, lines)
        assert not any(line.endswith(("-D \\", "-u \\", "--since \\", "--until \\")) for line in lines)
        joined = "\n".join(lines).removeprefix("its lines: ")
        script = f'set -- {joined}\nprintf "%s\\n" "$@"'  # what a POSIX shell makes of the lines pasted
        parsed = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
        assert parsed.splitlines() == shlex.split(command), (width, lines)
