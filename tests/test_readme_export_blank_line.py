"""README's note that an export must end with an empty line before systemd-journal-remote makes it a journal file,
held to the real program: without the empty line it drops the last entry and still exits 0 (so nothing warns a
newcomer whose scan then misses the failure); the README's remedy (`echo >> FILE`) keeps every entry, whether the
file lacked the empty line or not."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import entry

from logsentry.sources.journal_files import export_bytes

README = Path(__file__).resolve().parent.parent / "README.md"
REMOTE = "/lib/systemd/systemd-journal-remote"


def _journal(export: Path, out: Path) -> tuple[int, list[str], str]:
    """journal-remote's exit status on `export`, the messages journalctl then shows, and what it said."""
    done = subprocess.run([REMOTE, f"--output={out}", "-"], stdin=export.open("rb"), capture_output=True, text=True,
                          timeout=60, check=False)
    shown = subprocess.run(["journalctl", "--file", str(out), "-o", "cat", "--no-pager"], capture_output=True,
                           text=True, timeout=60, check=False).stdout
    return done.returncode, shown.splitlines(), done.stderr


def test_an_export_without_its_last_empty_line_loses_its_last_entry(tmp_path: Path) -> None:
    section = " ".join(README.read_text().split("**Another host's logs as a journal**", 1)[1].split("`-o json`")[0]
                       .split())
    assert ("An export must end with an empty line, as `journalctl -o export` ends it: without one, "
            "systemd-journal-remote drops the last entry") in section
    assert "`echo >> web-7.export` first adds one" in section
    data = export_bytes([entry(f"line {n}", at=n) for n in range(3)])
    assert data.endswith(b"\n\n")
    whole, cut = tmp_path / "whole.export", tmp_path / "cut.export"
    whole.write_bytes(data)
    cut.write_bytes(data[:-1])
    assert _journal(whole, tmp_path / "whole.journal")[:2] == (0, ["line 0", "line 1", "line 2"])
    code, shown, said = _journal(cut, tmp_path / "cut.journal")
    assert (code, shown) == (0, ["line 0", "line 1"]) and "Premature EOF" in said, said
    for path in (whole, cut):  # the README's remedy
        subprocess.run(["sh", "-c", f"echo >> {path}"], check=True)
        assert _journal(path, tmp_path / f"mended-{path.stem}.journal")[:2] == (0, ["line 0", "line 1", "line 2"])
