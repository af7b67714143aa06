"""A scan of an input journalctl cannot read says which input and what it really is, and the way to a journalctl
command where there is one (helper U's syslog file was called "a dump", with no next step): an export is made a
journal file with systemd-journal-remote (the README's section, named in the note); JSON lines and text logs
cannot be, and the note says so; stdin is named as such. The HTML report says the same."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli, simple_rule

from logsentry.sources.journal_files import export_bytes

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "Another host's logs as a journal"
START = "No journalctl command for the incidents: "


def _note(done_stdout: str) -> str:
    """The note, on one line whatever the terminal's width."""
    flat = " ".join(done_stdout.split())
    assert START in flat, flat
    return flat[flat.index(START):]


def test_each_input_is_named_for_what_it_is(make_journal: Callable[..., Path], tmp_path: Path,
                                              write_rule: Callable[..., Path], rules_dir: Path, monkeypatch) -> None:
    # wide enough for a path on one line: rich cuts a word longer than the width (a long tmp path) anywhere
    monkeypatch.setenv("COLUMNS", "1000")
    write_rule("boom", simple_rule(count=3))
    fields = [entry(f"BOOM {n}", at=n, priority=3, _HOSTNAME="web-7", _PID=12) for n in range(4)]
    journal = make_journal(fields)
    inputs = {"web-7.export": export_bytes(fields)}
    for name, output in (("web-7.json", "json"), ("web-7.log", "short")):
        inputs[name] = subprocess.run(["journalctl", "--file", str(journal), "-o", output], capture_output=True,
                                      check=True).stdout
    expected = {"web-7.export": "is journal export format (journalctl -o export), which journalctl cannot read "
                                "(journal files only). Make it a journal file with systemd-journal-remote and scan "
                                f'that (README: "{SECTION}")',
                "web-7.json": "is JSON lines (journalctl -o json), which journalctl cannot read (journal files "
                              "only), and cannot be made one: for the commands, scan the host's journal, or a "
                              "journal file made of its export "
                              f'(README: "{SECTION}")',
                "web-7.log": "is a text log (syslog or journalctl's text output), which journalctl cannot read"}
    assert f"**{SECTION}**" in README.read_text()
    for name, data in inputs.items():
        path = tmp_path / name
        path.write_bytes(data)
        done = run_cli("scan", "--file", str(path), "--rules", str(rules_dir), "--no-shipped-rules")
        assert done.exit_code == 0, done.output
        note = _note(done.stdout)
        assert note.startswith(f"{START}{path} {expected[name]}"), note
        assert "dump" not in note
    done = run_cli("scan", "--file", "-", "--rules", str(rules_dir), "--no-shipped-rules", input=inputs["web-7.export"])
    assert _note(done.stdout).startswith(f"{START}the standard input (-) is no journal file"), done.stdout
    # saved to a file, text is still no journal file: only an export can be made one (helper-124)
    assert "If it was an export (journalctl -o export), save it to a file and make that a journal file with " \
           "systemd-journal-remote" in _note(done.stdout) and "text cannot be made one" in _note(done.stdout)


def test_the_html_report_says_it_too(tmp_path: Path, write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(count=3))
    dump = tmp_path / "web-7.export"
    dump.write_bytes(export_bytes([entry(f"BOOM {n}", at=n, priority=3) for n in range(4)]))
    page = tmp_path / "r.html"
    done = run_cli("scan", "--file", str(dump), "--rules", str(rules_dir), "--no-shipped-rules", "--html", str(page))
    assert done.exit_code == 0, done.output
    assert (f"{START}{dump} is journal export format (journalctl -o export), which journalctl cannot read"
            in page.read_text()), page.read_text()[-2000:]
